// `keepwatch config check [FILE]`: every error with its path, exit 1 when there is any.
import { checkConfigFile, formatConfigErrors } from "../config/load.js";

export async function runConfigCheck(file: string): Promise<number> {
  const result = checkConfigFile(file);
  if (result.ok) {
    console.log(`${file}: OK`);
    return 0;
  }
  console.error(formatConfigErrors(result.errors, file));
  return 1;
}
