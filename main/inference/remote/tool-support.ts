// Servers answer a request with tools for a model that cannot use them with HTTP 400 and a message
// of their own: Ollama ("… does not support tools"), vLLM ("auto" tool choice requires
// --enable-auto-tool-choice …), llama.cpp's server (tools param requires --jinja flag).
const REFUSAL = /does not support (?:tools|function)|tool choice requires|requires --jinja|tools? (?:are|is) not supported/i;

export const refusesTools = (error: unknown): boolean => error instanceof Error && REFUSAL.test(error.message);

/**
 * Runs a call with tools; if the model refuses them, runs it again without and remembers that, so
 * later calls go straight to the plain form.
 */
export class ToolSupport {
  supported = true;

  async call<T>(wantTools: boolean, run: (withTools: boolean) => Promise<T>): Promise<T> {
    if (!wantTools || !this.supported) return run(false);
    try {
      return await run(true);
    } catch (error) {
      if (!refusesTools(error)) throw error;
      this.supported = false;
      return run(false);
    }
  }
}
