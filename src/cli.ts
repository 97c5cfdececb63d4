// The `keepwatch` command. Each subcommand lives in src/cli/ and is imported only when used, so
// `keepwatch measure` starts fast and never loads the queue or the server.
import { Command, Option } from "commander";
import { asnValue, portValue, secondsValue } from "./cli/option-values.js";

// exitOverride: commander throws instead of exiting (with 1) on a usage error, so the catch at the end can
// exit 2 for bad usage, as for every other bad input; subcommands defined below inherit these settings.
const program = new Command()
  .name("keepwatch")
  .description("Internet shutdown and outage monitor")
  .version("0.1.0")
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`keepwatch: ${text}`) })
  .showHelpAfterError("(add --help for usage)");

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

program
  .command("measure")
  .description("check sites now: DNS, TCP, TLS, HTTP (and throughput) with a verdict per site")
  .argument("[urls...]", "URLs to check")
  .option("--json", "one Measurement (JSON) per line instead of a table")
  .option("--resolver <ip[:port]>", "resolver to query (default: the system resolver)")
  .option("--control-resolver <ip[:port]>", "trusted resolver to compare answers with")
  .option("--ca <file>", "extra CA bundle (PEM) to trust")
  .option("--not-bogon <cidr>", "do not treat this range as bogon (repeatable)", collect, [])
  .option("--timeout <seconds>", "per-step timeout in seconds", secondsValue, "10")
  .option("--throughput", "also time a download of each URL")
  .option("--list <file>", "read URLs (one per line, or a whitelist/ YAML file) from a file")
  .option("--helper <url>", "test helper control URL (token: KEEPWATCH_HELPER_TOKEN or KEEPWATCH_PROBE_TOKEN), repeatable", collect, [])
  .addOption(new Option("--region <id>", "region id recorded in --json output").default("ZZ"))
  .addOption(new Option("--network <id>", "network id recorded in --json output").default("unknown"))
  .action(async (urls: string[], opts) => {
    const { runMeasure } = await import("./cli/measure.js");
    process.exitCode = await runMeasure(urls, opts);
  });

const config = program.command("config").description("configuration tools");
config
  .command("check")
  .description("validate a configuration file and print every error with its path")
  .argument("[file]", "configuration file", "config/default.yaml")
  .action(async (file: string) => {
    const { runConfigCheck } = await import("./cli/config-check.js");
    process.exitCode = await runConfigCheck(file);
  });

program
  .command("serve")
  .description("run scheduler, collector, detector, alerts, local workers and the HTTP server (or only --roles)")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .option("--port <port>", "HTTP port (overrides the config)", portValue)
  .option("--host <host>", "HTTP bind address (overrides the config)")
  .option("--demo", "a labelled demonstration: synthetic data through the real pipeline, nothing measured (data in <dataDir>/demo)")
  .option("--log-format <format>", "pretty (default on a terminal) or json (default otherwise)")
  .option("--roles <list>", "roles this process runs: api,collector,detector,scheduler,alerts (default all, or the config's serve.roles)")
  .action(async (opts) => {
    const { runServe } = await import("./cli/serve.js");
    await runServe(opts);
  });

program
  .command("setup")
  .description("confirm where this machine is, so the local probe measures it as that region and network")
  .requiredOption("--region <id>", "the region this machine is in (as in the config), e.g. KZ-75")
  .requiredOption("--network <id>", "the network it is connected through (as in the config), e.g. kazakhtelecom-fixed")
  .option("--probe <id>", "the local probe to set up (default: the configuration's only local probe)")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (opts) => {
    const { runSetup } = await import("./cli/setup.js");
    process.exitCode = runSetup(opts);
  });

program
  .command("worker")
  .description("take measure jobs for one probe from Redis and push results back")
  .requiredOption("--region <id>", "region id")
  .requiredOption("--probe <id>", "probe id (as in the config)")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .action(async (opts) => {
    const { runWorker } = await import("./cli/worker.js");
    await runWorker(opts);
  });

const agent = program
  .command("agent")
  .description("volunteer probe: measure on a schedule, spool to disk, upload to a KeepWatch server")
  .option("--server <url>", "KeepWatch server base URL, https:// (repeat for relays, tried in turn; not needed once enrolled)", collect, [])
  .option("--probe <id>", "probe id the token was issued for (required to measure)")
  .option("--region <id>", "region id (required to measure)")
  .option("--network <id>", "network id (required to measure)")
  .option("--network-kind <kind>", "mobile | fixed | unknown", "unknown")
  .option("--asn <asn>", "network ASN", asnValue)
  .option("--token-file <file>", "file holding the probe token (or set KEEPWATCH_PROBE_TOKEN)")
  .option("--spool <dir>", "spool directory for offline measurements (default: spool/ in the state directory)")
  .option("--state-dir <dir>", "enrollment, assignment and spool ($STATE_DIRECTORY, else $XDG_STATE_HOME/keepwatch, else ~/.local/state/keepwatch)")
  .option("--insecure-lab-http", "allow an http:// server URL (a lab only: the token travels in the clear)")
  .option("--enroll <code>", "enroll with this one-time code first unless already enrolled, then run (with --server)")
  .option("--cron <expr>", "measurement schedule (default: the server's assignment, else */5 * * * *)")
  .option("--list <file>", "targets: whitelist/ YAML file or one URL per line")
  .option("--country <cc>", "use the whitelist/ files of this country", "KZ")
  .option("--resolver <ip[:port]>", "resolver to query (default: the system resolver)")
  .option("--control-resolver <ip[:port]>", "trusted resolver to compare answers with")
  .option("--ca <file>", "extra CA bundle (PEM) to trust")
  .option("--not-bogon <cidr>", "do not treat this range as bogon (repeatable)", collect, [])
  .option("--timeout <seconds>", "per-step timeout in seconds (default: the server's assignment, else 10)", secondsValue)
  .option("--helper <url>", "test helper control URL to ask about each site, tried in turn (repeatable)", collect, [])
  .option("--once", "measure once, upload what can be uploaded, and exit")
  .addOption(new Option("--measure-via <iface|address>", "measure through this interface (e.g. a USB modem, wwan0) or local address; uploads go the normal way (needs --resolver or an assigned resolver)").env("KEEPWATCH_MEASURE_VIA"))
  .action(async (opts) => {
    const { runAgent } = await import("./cli/agent.js");
    process.exitCode = await runAgent(opts);
  });
agent
  .command("spool")
  .description("show the agent's spool (--spool DIR): pending measurements, quarantined items with reasons, last upload error")
  .option("--json", "print one JSON object")
  .action(async (_opts, cmd: Command) => {
    const { runSpoolStatus } = await import("./cli/agent-spool.js");
    process.exitCode = runSpoolStatus(cmd.optsWithGlobals());
  });
agent
  .command("enroll")
  .description("enroll this probe with a one-time code from the operator; stores server and token in the state directory")
  .argument("<code>", "the enrollment code (kwi_…); give --server https://… (repeat for relays)")
  .action(async (code: string, _opts, cmd: Command) => {
    const { runEnroll } = await import("./cli/agent-enroll.js");
    process.exitCode = await runEnroll(code, cmd.optsWithGlobals());
  });
agent
  .command("requeue")
  .description("put quarantined measurements back in the upload path (--spool DIR)")
  .action(async (_opts, cmd: Command) => {
    const { runSpoolRequeue } = await import("./cli/agent-spool.js");
    process.exitCode = runSpoolRequeue(cmd.optsWithGlobals());
  });

program
  .command("helper")
  .description("test helper for a control vantage abroad: answers probes what it sees of a URL (DNS, TCP, TLS, HTTP)")
  .option("-c, --config <file>", "configuration file (its `helper` block)", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--port <port>", "port (overrides helper.port)", portValue)
  .option("--host <addr>", "bind address (overrides helper.host)")
  .action(async (opts) => {
    const { runHelper } = await import("./cli/helper.js");
    const code = await runHelper(opts);
    if (code !== 0) process.exitCode = code;
  });

program
  .command("detect")
  .description("re-run the detector over a stored time range and print the incidents it gives (nothing stored unless --write)")
  .requiredOption("--since <iso>", "start of the range (ISO 8601)")
  .requiredOption("--until <iso>", "end of the range (ISO 8601)")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .option("--json", "print { incidents: [...] } as JSON")
  .option("--write", "save the incidents found to the store (replacing those with the same id)")
  .action(async (opts) => {
    const { runDetect } = await import("./cli/detect.js");
    process.exitCode = await runDetect(opts);
  });

program
  .command("migrate")
  .description("copy a SQLite store into PostgreSQL (resumable: re-run after an interruption), then verify counts and API answers")
  .requiredOption("--from <sqlite:PATH>", "source SQLite database, e.g. sqlite:data/keepwatch.sqlite")
  .requiredOption("--to <url>", "target PostgreSQL URL, postgres://user:pass@host:5432/db (use an empty database)")
  .option("-c, --config <file>", "configuration file (its regions are the API answers compared)", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--page-size <n>", "measurements per committed page", "2000")
  .option("--force", "copy into a database that already holds other measurements")
  .action(async (opts) => {
    const { runMigrate } = await import("./cli/migrate.js");
    process.exitCode = await runMigrate(opts);
  });

const probes = program.command("probes").description("probes registered on this server");
probes
  .command("invite")
  .description("create a one-time enrollment code for a volunteer's probe (only its hash is stored)")
  .requiredOption("--region <id>", "region the probe measures (as in the config), e.g. KZ-47")
  .requiredOption("--network <id>", "network the probe measures (as in the config), e.g. kcell-mobile")
  .option("--expires <duration>", "30m, 12h or 7d (at most 90d)", "7d")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (opts) => {
    const { runProbesInvite } = await import("./cli/probes.js");
    process.exitCode = await runProbesInvite(opts);
  });

const invites = probes.command("invites").description("enrollment invites: list (never the codes) and revoke");
invites
  .command("list", { isDefault: true })
  .description("list invites: id, region, network, created, expires, status, the probe that used it")
  .option("--json", "one JSON object")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (opts) => {
    const { runProbesInvites } = await import("./cli/probes.js");
    process.exitCode = await runProbesInvites(opts);
  });
invites
  .command("revoke <id>")
  .description("revoke an unused invite by the id `keepwatch probes invites` lists")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (id: string, opts) => {
    const { runProbesInvitesRevoke } = await import("./cli/probes.js");
    process.exitCode = await runProbesInvitesRevoke(id, opts);
  });
probes
  .command("revoke <probe>")
  .description("revoke every token of a probe (enrolled or configured): it can no longer upload")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (probe: string, opts) => {
    const { runProbesRevoke } = await import("./cli/probes.js");
    process.exitCode = await runProbesRevoke(probe, opts);
  });

const users = program.command("users").description("analysts' accounts: admin, analyst, viewer (passwords read from stdin)");
const usersOpts = (c: Command) => c
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)");
usersOpts(users.command("add").description("add a user; the password is the first line of stdin")
  .argument("<name>", "login name: 2-32 of a-z 0-9 . _ -")
  .requiredOption("--role <role>", "admin | analyst | viewer"))
  .action(async (name: string, opts) => {
    const { runUsersAdd } = await import("./cli/users.js");
    process.exitCode = await runUsersAdd(name, opts);
  });
usersOpts(users.command("list").description("list users (never a hash)").option("--json", "print { users: [...] }"))
  .action(async (opts) => {
    const { runUsersList } = await import("./cli/users.js");
    process.exitCode = await runUsersList(opts);
  });
usersOpts(users.command("disable").description("disable a user and end its sessions").argument("<name>"))
  .action(async (name: string, opts) => {
    const { runUsersDisable } = await import("./cli/users.js");
    process.exitCode = await runUsersDisable(name, opts, true);
  });
usersOpts(users.command("enable").description("enable a disabled user").argument("<name>"))
  .action(async (name: string, opts) => {
    const { runUsersDisable } = await import("./cli/users.js");
    process.exitCode = await runUsersDisable(name, opts, false);
  });
usersOpts(users.command("passwd").description("set a new password (first line of stdin); ends the user's sessions").argument("<name>"))
  .action(async (name: string, opts) => {
    const { runUsersPasswd } = await import("./cli/users.js");
    process.exitCode = await runUsersPasswd(name, opts);
  });
usersOpts(users.command("role").description("change a user's role; ends its sessions").argument("<name>").argument("<role>", "admin | analyst | viewer"))
  .action(async (name: string, role: string, opts) => {
    const { runUsersRole } = await import("./cli/users.js");
    process.exitCode = await runUsersRole(name, role, opts);
  });
usersOpts(users.command("token").description("issue the user's read token for a private dashboard (shown once)").argument("<name>"))
  .action(async (name: string, opts) => {
    const { runUsersToken } = await import("./cli/users.js");
    process.exitCode = await runUsersToken(name, opts);
  });

const token = program.command("token").description("probe and admin tokens");
token
  .command("create")
  .description("issue an upload token for a probe (stored hashed in the data directory's database)")
  .requiredOption("--probe <id>", "probe id")
  .requiredOption("--region <id>", "region id")
  .option("-c, --config <file>", "configuration file", process.env.KEEPWATCH_CONFIG ?? "config/default.yaml")
  .option("--data <dir>", "data directory (overrides the config's dataDir)")
  .action(async (opts) => {
    const { runTokenCreate } = await import("./cli/token.js");
    process.exitCode = await runTokenCreate(opts);
  });
token
  .command("hash")
  .description("print the sha256 of a token read from stdin, for server.adminTokenHash")
  .action(async () => {
    const { runTokenHash } = await import("./cli/token.js");
    await runTokenHash();
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const { reportCliError } = await import("./cli/cli-error.js");
  process.exitCode = reportCliError(e);
}
