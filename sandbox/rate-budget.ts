/** A change to a simulator's request budget (`POST /_sandbox/faults {"rate_limit": {...}}`). */
export interface RateLimitSetting {
  /** Requests allowed per window. */
  limit?: number;
  /** Window length in milliseconds. */
  window_ms?: number;
  /** Requests left in the current window (0 exhausts the budget now). */
  remaining?: number;
}

/** What one request saw of the budget, for the API's rate-limit headers. */
export interface RateBudgetState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the window refreshes. */
  resetAt: number;
  /** Milliseconds until the window refreshes. */
  resetInMs: number;
  windowMs: number;
}

/** A fixed-window request budget, as the simulated APIs count requests. */
export class RateBudget {
  private used = 0;
  private windowStart: number;
  private readonly initial: { limit: number; windowMs: number };

  constructor(
    private limit: number,
    private windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
    this.initial = { limit, windowMs };
  }

  /** Counts one request; `allowed` is false once the window's budget is spent (refused requests are not counted). */
  take(): RateBudgetState {
    const state = this.peek();
    if (!state.allowed) return state;
    this.used++;
    return { ...state, remaining: this.limit - this.used };
  }

  /** The budget as it stands, without counting a request. */
  peek(): RateBudgetState {
    const now = this.now();
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetAt = this.windowStart + this.windowMs;
    return {
      allowed: this.used < this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.used),
      resetAt,
      resetInMs: Math.max(0, resetAt - now),
      windowMs: this.windowMs,
    };
  }

  /** Applies a setting; a new limit or window starts a fresh window. */
  configure(setting: RateLimitSetting): void {
    if (setting.limit !== undefined || setting.window_ms !== undefined) {
      this.limit = setting.limit ?? this.limit;
      this.windowMs = setting.window_ms ?? this.windowMs;
      this.windowStart = this.now();
      this.used = 0;
    }
    if (setting.remaining !== undefined) this.used = Math.max(0, this.limit - setting.remaining);
  }

  /** Back to the budget it was created with: a fresh window, nothing used. */
  reset(): void {
    this.limit = this.initial.limit;
    this.windowMs = this.initial.windowMs;
    this.windowStart = this.now();
    this.used = 0;
  }
}
