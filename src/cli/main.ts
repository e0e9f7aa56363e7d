import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, EXIT_CODE_MEANINGS, type ExitCode } from '../core/exit-codes.js';
import { exitCodeOf, TiersyncError, UsageError } from '../core/errors.js';
import { SHEET_KINDS } from '../normalize/columns.js';
import { closeLogger, createLogger, type Logger } from '../log/logger.js';
import { Terminal } from '../report/terminal.js';
import type { RunContext } from '../run/run-context.js';
import { parseNowOption } from '../run/run-clock.js';

// Each command's module is loaded when that command runs, so a command starts with only what it uses:
// loading every command's modules (the readers, the planner, both stores, the Partner Center client)
// was most of each start.
const batch = () => import('../run/run-batch.js');
const partnerCenter = () => import('./partner-center-command.js');

interface GlobalArgs {
  store: string;
  as?: string;
  out: string;
  quiet: boolean;
  json: boolean;
  logFile?: string;
  logLevel: string;
  lockTimeout: number;
  maxInputMb: number;
  invitationDays: number;
  results: 'all' | 'changed';
  now?: string;
  pcCredentials?: string;
  pcConcurrency: number;
  pcRate: number;
  pcTimeout: number;
  pcProvisioningWait: number;
  refresh: boolean;
}

function positive(flag: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} takes a positive number`);
  return value;
}

const EPILOGUE = `Exit codes:\n${EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}`;

function batchOptions(y: Argv) {
  return y
    .positional('files', { type: 'string', array: true, describe: 'input workbooks (.xlsx) or CSV files' })
    .option('atomic', { type: 'boolean', default: false, describe: 'apply nothing if any row is rejected' })
    .option('allow-removals', { type: 'boolean', default: false, describe: 'allow rows (and --prune) to remove partnerships' })
    .option('prune', { type: 'boolean', default: false, describe: 'the input is complete for its sheets: report drift, remove/suspend what is missing' })
    .option('resend-expired', { type: 'boolean', default: false, describe: 'replace expired invitations with new ones' })
    .option('split-credentials', { type: 'boolean', default: false, describe: 'one credential report per reseller' })
    .option('max-prune', { type: 'number', default: 10, describe: 'refuse to prune more than this percentage of a sheet\'s records' })
    .option('sheet', { type: 'string', describe: 'for a CSV input: the sheet it holds (Resellers, Customers, Subscriptions, Users, Offers)' });
}

/** Parse the command line, run one command, and map its outcome to an exit code. Never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  let log: Logger | undefined;
  let terminal = new Terminal(argv.includes('--quiet'));

  const context = (args: GlobalArgs): RunContext => {
    terminal = new Terminal(args.quiet);
    log = createLogger({ ...(args.logFile ? { logFile: args.logFile } : {}), level: args.logLevel });
    if (!Number.isFinite(args.lockTimeout) || args.lockTimeout < 0) throw new UsageError('--lock-timeout takes a number of seconds, 0 or more');
    if (!Number.isInteger(args.invitationDays) || args.invitationDays < 0) throw new UsageError('--invitation-days takes a whole number of days, 0 or more');
    if (!Number.isFinite(args.maxInputMb) || args.maxInputMb <= 0) throw new UsageError('--max-input-mb takes a positive number');
    return {
      storeLocation: args.store,
      operator: args.as ?? env.TIERSYNC_USER,
      outDir: args.out,
      lockTimeoutSeconds: args.lockTimeout,
      maxInputMb: args.maxInputMb,
      invitationDays: args.invitationDays,
      json: args.json,
      resultsFilter: args.results,
      terminal,
      log,
      now: () => new Date(),
      ...(args.now !== undefined ? { nowOverride: parseNowOption(args.now) } : {}),
      partnerCenter: {
        ...(args.pcCredentials ? { credentialsFile: args.pcCredentials } : {}),
        concurrency: positive('--pc-concurrency', args.pcConcurrency),
        ratePerMinute: positive('--pc-rate', args.pcRate),
        timeoutMs: positive('--pc-timeout', args.pcTimeout) * 1000,
        provisioningWaitMs: Math.max(0, Number(args.pcProvisioningWait)) * 1000,
        noRefresh: args.refresh === false,
      },
      env,
    };
  };
  const run = (task: (ctx: RunContext, args: Args) => Promise<ExitCode>) => async (args: unknown) => {
    exitCode = await task(context(args as Args), args as Args);
  };

  const parser = yargs(argv)
    .scriptName('tiersync')
    .usage('$0 <command> [options]\n\nSpreadsheet-driven sync for Microsoft CSP indirect providers.')
    .option('store', { type: 'string', default: env.TIERSYNC_STORE ?? './tiersync.db', describe: 'store file, or postgres://USER@HOST:PORT/DB (or TIERSYNC_STORE)', global: true })
    .option('as', { type: 'string', describe: 'operator email (or TIERSYNC_USER)', global: true })
    .option('out', { type: 'string', default: './tiersync-out', describe: 'output folder', global: true })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress and no summary', global: true })
    .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON', global: true })
    .option('log-file', { type: 'string', describe: 'append JSON-lines logs here', global: true })
    .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'], global: true })
    .option('lock-timeout', { type: 'number', default: 0, describe: 'seconds to wait for another run to release the store', global: true })
    .option('invitation-days', { type: 'number', default: 30, describe: 'days before a new invitation expires', global: true })
    .option('results', { choices: ['all', 'changed'] as const, default: 'all' as const, describe: 'result sheets: every row, or only rows that are not unchanged', global: true })
    .option('max-input-mb', { type: 'number', default: 200, describe: 'refuse input files larger than this', global: true })
    .option('now', { type: 'string', describe: 'the run\'s clock (ISO 8601): only for a store made with init --simulated-clock', global: true })
    .option('pc-credentials', { type: 'string', describe: 'connected stores: a 0600 JSON file { clientId, clientSecret, refreshToken } (else TIERSYNC_PC_* variables)', global: true })
    .option('pc-concurrency', { type: 'number', default: 5, describe: 'connected stores: Partner Center calls in flight at most', global: true })
    .option('pc-rate', { type: 'number', default: 450, describe: 'connected stores: Partner Center calls per minute at most', global: true })
    .option('pc-timeout', { type: 'number', default: 60, describe: 'connected stores: seconds before a Partner Center call is abandoned (and retried)', global: true })
    .option('pc-provisioning-wait', { type: 'number', default: 30, describe: 'connected stores: seconds an apply waits for an order to be provisioned before leaving it pending', global: true, hidden: true })
    .option('refresh', { type: 'boolean', default: true, describe: 'connected stores: read what the batch names from Partner Center first (--no-refresh skips it)', global: true })
    .command(
      'init',
      'create a store with the provider, its first Global admin and the default offer catalog',
      (y) =>
        y
          .option('provider-mpn', { type: 'string', demandOption: true, describe: "the provider's own MPN ID" })
          .option('provider-name', { type: 'string', demandOption: true })
          .option('admin', { type: 'string', demandOption: true, describe: 'email of the first Global admin' })
          .option('admin-name', { type: 'string', describe: 'display name of the first Global admin' })
          .option('portal-url', { type: 'string', default: 'http://localhost:8080', describe: 'base of invitation acceptance links' })
          .option('simulated-clock', { type: 'boolean', default: false, describe: 'for tests, demos and training: every command takes --now' })
          .option('partner-center', { type: 'string', describe: "a connected store: the provider's Entra tenant ID (GUID)" })
          .option('partnership-link', { type: 'string', describe: "connected: the provider's personalized partnership link, from Partner Center's Request a partnership page" })
          .option('pc-api-url', { type: 'string', describe: 'connected: Partner Center API base (default https://api.partnercenter.microsoft.com)' })
          .option('pc-login-url', { type: 'string', describe: 'connected: sign-in base (default https://login.microsoftonline.com)' })
          .example('$0 init --provider-mpn 1000001 --provider-name "Contoso Distribution" --admin ops@contoso.example', ''),
      run(async (ctx, a) => (await import('./init-command.js')).runInit(ctx, a)),
    )
    .command(
      'plan <files..>',
      'read, validate and diff: write the results workbook of what apply would do; change nothing',
      (y) =>
        batchOptions(y)
          .option('save-plan', { type: 'string', describe: 'save the plan as JSON for apply --plan' })
          .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'exit 2 when the plan is valid and has changes' })
          .example('$0 plan orders.xlsx --as ops@contoso.example --save-plan plan.json', ''),
      run(async (ctx, a) => {
        return (await batch()).runBatch(ctx, { ...batchArgs(a), mode: 'plan', kinds: SHEET_KINDS, ...(a.savePlan ? { savePlan: String(a.savePlan) } : {}), detailedExitcode: Boolean(a.detailedExitcode) });
      }),
    )
    .command(
      'apply [files..]',
      'plan, then apply: write results, credential report and invitation drafts',
      (y) => batchOptions(y).option('plan', { type: 'string', describe: 'apply a plan saved by plan --save-plan' }).example('$0 apply orders.xlsx --as ops@contoso.example', ''),
      run(async (ctx, a) => {
        if (a.plan) {
          if ((a.files as string[] | undefined)?.length) throw new UsageError('Give either input files or --plan, not both');
          return (await batch()).applySavedPlan(ctx, String(a.plan), Boolean(a.splitCredentials));
        }
        if (!(a.files as string[] | undefined)?.length) throw new UsageError('Name the input files to apply, or --plan PLAN.json');
        return (await batch()).runBatch(ctx, { ...batchArgs(a), mode: 'apply', kinds: SHEET_KINDS, detailedExitcode: false });
      }),
    )
    .command(
      'reconcile <files..>',
      'apply --prune for scheduled runs: also reports drift; never prompts',
      (y) => batchOptions(y).example('$0 reconcile master.xlsx --as nightly@contoso.example --log-file nightly.log --quiet', ''),
      run(async (ctx, a) => (await batch()).runBatch(ctx, { ...batchArgs(a), mode: 'reconcile', prune: true, kinds: SHEET_KINDS, detailedExitcode: false })),
    )
    .command(
      'accept',
      "accept a partnership invitation (the reseller's step)",
      (y) =>
        y
          .option('token', { type: 'string', describe: 'the invitation token' })
          .option('link', { type: 'string', describe: 'the whole acceptance link' })
          .example('$0 accept --link "http://localhost:8080/accept?token=…"', ''),
      run(async (ctx, a) => {
        return (await import('./accept-command.js')).runAccept(ctx, { ...(a.token ? { token: String(a.token) } : {}), ...(a.link ? { link: String(a.link) } : {}) });
      }),
    )
    .command(
      'catalog <action> <file>',
      'catalog import FILE: load the offer catalog (sheet Offers, xlsx or csv)',
      (y) =>
        y
          .positional('action', { choices: ['import'] as const })
          .positional('file', { type: 'string' })
          .option('sheet', { type: 'string', default: 'Offers', hidden: true })
          .example('$0 catalog import offers.csv --as ops@contoso.example', ''),
      run(async (ctx, a) => {
        return (await batch()).runBatch(ctx, { ...batchArgs({ ...a, files: [String(a.file)] }), mode: 'catalog-import', kinds: ['Offers'], detailedExitcode: false, sheet: 'Offers' });
      }),
    )
    .command(
      'export',
      'write the whole current state as an input workbook',
      (y) => y.option('out', { type: 'string', demandOption: true, describe: 'the workbook to write (.xlsx)' }).example('$0 export --out state.xlsx --as auditor@contoso.example', ''),
      run(async (ctx, a) => (await import('./export-command.js')).runExport(ctx, String(a.out))),
    )
    .command(
      'audit <action>',
      'audit verify: recompute the hash chain; audit export --out FILE.xlsx: the trail for auditors',
      (y) =>
        y
          .positional('action', { choices: ['verify', 'export'] as const })
          .option('out', { type: 'string', describe: 'audit export: the workbook to write (.xlsx)' })
          .option('batch', { type: 'string', describe: 'audit export: only this batch' })
          .option('since', { type: 'string', describe: 'audit export: only records from this date (YYYY-MM-DD)' })
          .option('entity', { type: 'string', describe: 'audit export: only this entity (reseller, customer, subscription, user, offer, invitation)' })
          .example('$0 audit verify', '')
          .example('$0 audit export --out audit.xlsx --since 2026-01-01 --entity subscription', ''),
      run(async (ctx, a) => {
        const { runAuditExport, runAuditVerify } = await import('./audit-command.js');
        if (a.action === 'verify') return runAuditVerify(ctx);
        if (!a.out || a.out === './tiersync-out') throw new UsageError('audit export needs --out FILE.xlsx');
        return runAuditExport(ctx, String(a.out), { ...(a.batch ? { batch: String(a.batch) } : {}), ...(a.since ? { since: String(a.since) } : {}), ...(a.entity ? { entity: String(a.entity) } : {}) });
      }),
    )
    .command(
      'report',
      "write an applied run's results workbook again from the store (into --out DIR)",
      (y) => y.option('batch', { type: 'string', demandOption: true, describe: 'the Batch ID (from the Summary sheet or the audit export)' }).example('$0 report --batch 3f2c9e1a --out ./recovered', ''),
      run(async (ctx, a) => (await import('./report-command.js')).runReport(ctx, String(a.batch))),
    )
    .command(
      'template',
      'write an empty input workbook: headers, a note per column, drop-downs, examples',
      (y) =>
        y
          .option('out', { type: 'string', demandOption: true, describe: 'the workbook to write (.xlsx)' })
          .option('sheets', { type: 'string', array: true, describe: 'only these sheets (Resellers, Customers, Subscriptions, Users, Offers)' })
          .example('$0 template --out orders-template.xlsx --sheets Customers Subscriptions', ''),
      run(async (ctx, a) => (await import('./template-command.js')).runTemplate(ctx, String(a.out), a.sheets as string[] | undefined)),
    )
    .command(
      'migrate-store',
      'copy a store file, whole (store ID, revision, audit chain), into an empty PostgreSQL database',
      (y) =>
        y
          .option('from', { type: 'string', demandOption: true, describe: 'the store file to copy' })
          .option('to', { type: 'string', demandOption: true, describe: 'the empty PostgreSQL database: postgres://USER@HOST:PORT/DATABASE' })
          .example('$0 migrate-store --from tiersync.db --to postgres://tiersync@db.example:5432/tiersync', ''),
      run(async (ctx, a) => (await import('./migrate-store-command.js')).runMigrateStore(ctx, { from: String(a.from), to: String(a.to) })),
    )
    .command(
      'status',
      'what the store is (local or connected), its last refresh and journal; checks a connected store\'s credentials',
      (y) => y.example('$0 status --pc-credentials ~/.tiersync/pc.json', ''),
      run(async (ctx) => (await partnerCenter()).runStatus(ctx)),
    )
    .command(
      'refresh',
      'connected stores: read Partner Center into the store (open items; --changes from the activity log; --all everything, resumable)',
      (y) =>
        y
          .option('changes', { type: 'boolean', default: false, describe: 'what the activity log names since the last refresh (the nightly form)' })
          .option('all', { type: 'boolean', default: false, describe: 'every customer and subscription, checkpointed (resumes after an interruption)' })
          .example('$0 refresh --changes --as nightly@contoso.example', ''),
      run(async (ctx, a) => {
        if (a.changes && a.all) throw new UsageError('Give --changes or --all, not both');
        return (await partnerCenter()).runRefresh(ctx, a.all ? 'all' : a.changes ? 'changes' : 'open');
      }),
    )
    .command(
      'sandbox',
      'a simulation of Partner Center on this machine, for tests, demos and training (never a real tenant)',
      (y) =>
        y
          .option('port', { type: 'number', default: 0, describe: 'port on 127.0.0.1 (0: any free port)' })
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('seed', { type: 'string', describe: 'a JSON file of resellers, customers and subscriptions to start with' })
          .option('rate', { type: 'number', describe: 'calls per minute before it answers 429' })
          .option('credentials-file', { type: 'string', describe: 'where to write the client credentials it accepts (0600)' }),
      async (a) => {
        exitCode = await (await partnerCenter()).runSandbox({ port: Number(a.port), host: String(a.host), ...(a.seed ? { seed: String(a.seed) } : {}), ...(a.rate ? { rate: Number(a.rate) } : {}), ...(a.credentialsFile ? { credentialsFile: String(a.credentialsFile) } : {}) });
      },
    )
    .command(
      'serve',
      'the web console: upload, plan and apply in a browser; runs, audit trail, users; the invitation acceptance page',
      (y) =>
        y
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('port', { type: 'number', default: 8080, describe: 'port to listen on' })
          .option('public-url', { type: 'string', describe: 'the address users reach the console at (behind a reverse proxy: its https:// URL)' })
          .option('oidc-issuer', { type: 'string', describe: 'OpenID Connect issuer for single sign-on; client ID and secret in TIERSYNC_OIDC_CLIENT_ID and TIERSYNC_OIDC_CLIENT_SECRET' })
          .option('trust-proxy', { type: 'boolean', default: false, describe: 'behind a reverse proxy: take the client address from X-Forwarded-For' })
          .option('session-idle-minutes', { type: 'number', default: 30, describe: 'sign a browser out after this long without a request' })
          .option('secret-minutes', { type: 'number', default: 15, describe: 'delete a credential report or invitation draft from the server after this long' })
          .example('$0 serve --store /srv/tiersync/tiersync.db --port 8080', ''),
      run(async (ctx, a) =>
        // The console and its web framework: only this command loads them.
        (await import('../console/serve.js')).runServe(
          ctx,
          {
            host: String(a.host),
            port: Number(a.port),
            ...(a.publicUrl ? { publicUrl: String(a.publicUrl) } : {}),
            ...(a.oidcIssuer ? { oidcIssuer: String(a.oidcIssuer) } : {}),
            trustProxy: Boolean(a.trustProxy),
            sessionIdleMinutes: Number(a.sessionIdleMinutes),
            secretMinutes: Number(a.secretMinutes),
          },
          env,
        ),
      ),
    )
    .command(
      'users <action> <email>',
      "users set-password EMAIL: set a user's console password (asked on the terminal, or read from standard input)",
      (y) => y.positional('action', { choices: ['set-password'] as const }).positional('email', { type: 'string' }).example('$0 users set-password ops@contoso.example', ''),
      run(async (ctx, a) => (await import('../console/set-password.js')).runSetPassword(ctx, String(a.email), { input: process.stdin, prompt: process.stderr })),
    )
    .command(
      'explain <code>',
      'what an error code means and how to fix it',
      (y) => y.positional('code', { type: 'string' }).example('$0 explain mpn.global-not-location', ''),
      run(async (ctx, a) => (await import('./explain-command.js')).runExplain(ctx, String(a.code))),
    )
    .demandCommand(1, 'Name a command; see tiersync --help')
    .strict()
    .epilogue(EPILOGUE)
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false);
  skipHelpLayout(parser);

  try {
    await parser.parseAsync();
  } catch (error) {
    exitCode = exitCodeOf(error);
    const message = error instanceof TiersyncError ? error.message : `Internal error: ${error instanceof Error ? error.message : String(error)}`;
    terminal.error(message.replace(/\.?$/, '.'));
    log?.error('run failed', { event: 'run.failed', error: message, exitCode });
    log?.debug('stack', { event: 'run.failed.stack', stack: error instanceof Error ? error.stack : undefined });
  }
  if (log) await closeLogger(log);
  return exitCode;
}

type Args = Record<string, unknown> & GlobalArgs;

/**
 * yargs lays out a command's whole help text each time the command runs, so that a failure could print
 * it (~50 ms of every start). This CLI's `fail` handler never prints help, and `--help` is answered
 * before any command runs, so that text would never be read: the layout is skipped. (A yargs without
 * this internal hook is left as it is.)
 */
function skipHelpLayout(parser: Argv): void {
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

function batchArgs(a: Record<string, unknown>) {
  return {
    files: ((a.files as string[] | undefined) ?? []).map(String),
    atomic: Boolean(a.atomic),
    allowRemovals: Boolean(a.allowRemovals),
    prune: Boolean(a.prune),
    resendExpired: Boolean(a.resendExpired),
    splitCredentials: Boolean(a.splitCredentials),
    maxPrunePercent: a.maxPrune === undefined ? 10 : Number(a.maxPrune),
    ...(a.sheet ? { sheet: String(a.sheet) } : {}),
  };
}

// Run when executed as the program (bin/tiersync imports and calls main itself).
export async function runCli(): Promise<void> {
  const code = await main(hideBin(process.argv));
  process.exitCode = code;
}
