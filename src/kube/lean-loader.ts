// Registers kube/lean-loader-hooks.ts. An entry point calls this before it imports (dynamically) anything
// that loads @kubernetes/client-node; static imports would be evaluated before the hook is in place.
import { register } from 'node:module';

export function registerLeanLoader(): void {
  register('./lean-loader-hooks.js', import.meta.url);
}
