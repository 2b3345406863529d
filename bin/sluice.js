#!/usr/bin/env -S node --max-semi-space-size=32
// A larger young generation: a run's rows in flight outlive the default one, and copying them again at every
// collection cost a quarter of a large sync's time (bench/pg-to-http).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
