/** JSON text that was already rendered and validated: written as is by templates and by `jsonLiteral`. */
export class RawJson {
  constructor(readonly text: string) {}

  /** Makes JSON.stringify bail out so that `jsonLiteral` takes its slow path, which writes the text raw. */
  toJSON(): never {
    throw rawJsonMarker;
  }
}

/** Thrown by `RawJson.toJSON` to leave the JSON.stringify fast path. */
export const rawJsonMarker = new Error('RawJson inside JSON.stringify');
