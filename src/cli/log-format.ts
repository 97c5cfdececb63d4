// `--log-format pretty|json` for long-running commands; unset means pretty on a terminal, JSON otherwise.
import { LOG_FORMATS, type LogFormat } from "../log.js";
import { UsageError } from "./cli-error.js";

export function logFormatOption(value: string | undefined): LogFormat | undefined {
  if (value === undefined) return undefined;
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new UsageError(`--log-format must be ${LOG_FORMATS.join(" or ")}, not "${value}"`);
}
