using System.Globalization;

namespace PaymentHub.Bench;

/// <summary>Command-line options. Every loop the benchmark runs is bounded by a count and by <see cref="Duration"/>.</summary>
public sealed record BenchOptions
{
    public const int MaxRequests = 100_000;
    public const int MaxConcurrency = 512;
    public const int MaxDurationSeconds = 3_600;

    public Uri BaseUrl { get; init; } = new("http://localhost:5080");
    public string AdminKey { get; init; } = "";
    public int Requests { get; init; } = 2_000;
    /// <summary>How many status_check calls follow the submits; defaults to the number of submits.</summary>
    public int? StatusChecks { get; init; }
    public int Concurrency { get; init; } = 32;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public int Warmup { get; init; } = 20;
    public decimal Amount { get; init; } = 25.00m;
    /// <summary>Send a unique request_id with every submit, so the idempotency gate is part of what is measured.</summary>
    public bool RequestIds { get; init; }

    /// <summary>Suite mode (bench/run.sh): time-boxed steps over scenarios and connection counts, with CPU, RSS and ratios.</summary>
    public bool Suite { get; init; }
    public int GatewayPid { get; init; }
    public int PostgresPid { get; init; }
    /// <summary>pgbench results, lines "wallets clients tps" (bench/run.sh writes it).</summary>
    public string? CeilingFile { get; init; }
    /// <summary>A command the suite runs right before each step that has a ratio, with the step's wallets and clients appended; its output starts with pgbench's tps.</summary>
    public string? CeilingCommand { get; init; }
    /// <summary>As <see cref="CeilingCommand"/>, for the same transaction on tables with the gateway's foreign keys; its ratio is printed beside the first.</summary>
    public string? ForeignKeyCeilingCommand { get; init; }
    /// <summary>
    /// As <see cref="CeilingCommand"/>, run before each recharge step only: the recharge's two-commit floor (two-commits.sql on
    /// the tables with the gateway's foreign keys), whose p99 is printed beside the step's.
    /// </summary>
    public string? FloorCommand { get; init; }
    /// <summary>A command the suite runs before and after each step that prints pg_stat_wal's "wal_sync wal_sync_time wal_fpi" (bench/pgbench/wal-stats.sh).</summary>
    public string? WalStatsCommand { get; init; }
    public int StepSeconds { get; init; } = 10;
    /// <summary>Suite: seconds of uncounted load before the first measured step (see SuiteRun's warm-up).</summary>
    public int WarmupSeconds { get; init; } = 45;
    public IReadOnlyList<int> Connections { get; init; } = [8, 32, 128];
    public int Resellers { get; init; } = 50;
    /// <summary>Suite: where to run the fake nurr hub the gateway's nurr connector points at; null skips the slow-upstream step.</summary>
    public Uri? UpstreamUrl { get; init; }
    public int UpstreamDelayMs { get; init; } = 200;
    public int UpstreamConnections { get; init; } = 256;

    public int StatusCheckCount => StatusChecks ?? Requests;

    public const string Usage = """
        PaymentHub load benchmark: sets up its own reseller, provider and manual-connector service through the
        admin API, fires bill submits and then status checks at a gateway that is already running on this machine,
        and prints throughput, latency percentiles, non-2xx replies, the ledger check and the wallet balance.

        Usage:
          dotnet run --project bench/PaymentHub.Bench -c Release -- --url http://localhost:5080 --admin-key KEY [options]

        Options:
          --url URL              Gateway base address; must be loopback (localhost, 127.0.0.0/8, [::1]). Default http://localhost:5080
          --admin-key KEY        Admin key (or set PAYMENTHUB_ADMIN_KEY).
          --requests N           Bill submits to send (1..100000). Default 2000.
          --status-checks N      status_check calls after the submits (0..100000). Default: same as --requests.
          --concurrency N        Requests in flight at once (1..512). Default 32.
          --duration SECONDS     Hard cap on the load phases together (1..3600); unsent requests are skipped. Default 120.
          --timeout SECONDS      Per-request timeout (1..300). Default 30.
          --warmup N             provider_check calls before measuring (0..1000, not counted). Default 20.
          --amount AMOUNT        Bill amount per submit (10.00..50000.00). Default 25.00.
          --request-ids          Send a unique request_id with every submit (exercises the idempotency gate).
          --suite                Suite mode (bench/run.sh): many resellers and one hot wallet, submit and recharge,
                                 at each of --connections for --step-seconds each, with CPU per request and ratios.
          --gateway-pid PID      Suite: the gateway's process, for CPU seconds and RSS from /proc.
          --postgres-pid PID     Suite: PostgreSQL's postmaster; its CPU is the postmaster's and its children's.
          --ceiling FILE         Suite: pgbench results, lines "wallets clients tps".
          --ceiling-command CMD  Suite: run CMD WALLETS CLIENTS right before each step that has a ratio; the first
                                 word it prints is pgbench's tps for that step (instead of --ceiling's figure).
          --fk-ceiling-command CMD  Suite: as --ceiling-command, run after it, for the same transaction on tables
                                 with the gateway's foreign keys; printed as a second pgbench figure and ratio.
          --floor-command CMD    Suite: as --ceiling-command, run last before each recharge step only, for the
                                 recharge's two-commit floor; its tps and p99 are printed beside the step's p99.
          --wal-stats-command CMD  Suite: run CMD before and after each step; it prints pg_stat_wal's wal_sync,
                                 wal_sync_time and wal_fpi; the table shows ms per WAL flush and full-page images.
          --step-seconds N       Suite: seconds per step (1..600). Default 10.
          --warmup-seconds N     Suite: uncounted load before the first step, split over submit (many wallets and
                                 the hot one) and recharge at 32 connections (0..600). Default 45.
          --connections LIST     Suite: comma-separated connection counts. Default 8,32,128.
          --resellers N          Suite: resellers for the many-wallets scenarios (1..1000). Default 50.
          --upstream-url URL     Suite: run a fake nurr hub there (loopback) that answers each recharge after
                                 --upstream-delay-ms (default 200), and add a step of nurr recharges at
                                 --upstream-connections (default 256). The gateway's Connectors:Nurr must point at it.
          -h, --help             Show this text.

        Exit code: 0 when the ledger check is ok, the wallet balance is as expected and no reply was 5xx;
        1 when not; 2 for bad arguments, 3 when the gateway could not be reached or set up.
        """;

    /// <summary>Parses <paramref name="args"/>; returns null with <paramref name="error"/> set (empty for --help) when it cannot.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new BenchOptions { AdminKey = Environment.GetEnvironmentVariable("PAYMENTHUB_ADMIN_KEY") ?? "" };
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = "";
                return null;
            }
            if (name == "--request-ids")
            {
                options = options with { RequestIds = true };
                continue;
            }
            if (name == "--suite")
            {
                options = options with { Suite = true };
                continue;
            }
            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }
            var value = args[++i];
            switch (name)
            {
                case "--url":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                    {
                        error = $"--url must be an absolute http(s) address, not '{value}'.";
                        return null;
                    }
                    options = options with { BaseUrl = url };
                    break;
                case "--admin-key":
                    options = options with { AdminKey = value };
                    break;
                case "--requests":
                    options = options with { Requests = ParseInt(name, value, 1, MaxRequests, ref error) };
                    break;
                case "--status-checks":
                    options = options with { StatusChecks = ParseInt(name, value, 0, MaxRequests, ref error) };
                    break;
                case "--concurrency":
                    options = options with { Concurrency = ParseInt(name, value, 1, MaxConcurrency, ref error) };
                    break;
                case "--duration":
                    options = options with { Duration = TimeSpan.FromSeconds(ParseInt(name, value, 1, MaxDurationSeconds, ref error)) };
                    break;
                case "--timeout":
                    options = options with { RequestTimeout = TimeSpan.FromSeconds(ParseInt(name, value, 1, 300, ref error)) };
                    break;
                case "--warmup":
                    options = options with { Warmup = ParseInt(name, value, 0, 1_000, ref error) };
                    break;
                case "--amount":
                    if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                        || amount < 10m || amount > 50_000m || decimal.Round(amount, 2) != amount)
                    {
                        error = "--amount must be between 10.00 and 50000.00 with at most two decimals.";
                    }
                    options = options with { Amount = amount };
                    break;
                case "--gateway-pid":
                    options = options with { GatewayPid = ParseInt(name, value, 1, int.MaxValue, ref error) };
                    break;
                case "--postgres-pid":
                    options = options with { PostgresPid = ParseInt(name, value, 1, int.MaxValue, ref error) };
                    break;
                case "--ceiling":
                    options = options with { CeilingFile = value };
                    break;
                case "--ceiling-command":
                    options = options with { CeilingCommand = value };
                    break;
                case "--fk-ceiling-command":
                    options = options with { ForeignKeyCeilingCommand = value };
                    break;
                case "--floor-command":
                    options = options with { FloorCommand = value };
                    break;
                case "--wal-stats-command":
                    options = options with { WalStatsCommand = value };
                    break;
                case "--step-seconds":
                    options = options with { StepSeconds = ParseInt(name, value, 1, 600, ref error) };
                    break;
                case "--warmup-seconds":
                    options = options with { WarmupSeconds = ParseInt(name, value, 0, 600, ref error) };
                    break;
                case "--resellers":
                    options = options with { Resellers = ParseInt(name, value, 1, 1_000, ref error) };
                    break;
                case "--upstream-url":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var upstream) || upstream.Scheme != "http" || !upstream.IsLoopback
                        || !upstream.AbsolutePath.EndsWith('/'))
                    {
                        error = $"--upstream-url must be a loopback http address ending in '/', not '{value}'.";
                        return null;
                    }
                    options = options with { UpstreamUrl = upstream };
                    break;
                case "--upstream-delay-ms":
                    options = options with { UpstreamDelayMs = ParseInt(name, value, 0, 10_000, ref error) };
                    break;
                case "--upstream-connections":
                    options = options with { UpstreamConnections = ParseInt(name, value, 1, MaxConcurrency, ref error) };
                    break;
                case "--connections":
                    var counts = new List<int>();
                    foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        counts.Add(ParseInt(name, part, 1, MaxConcurrency, ref error));
                    }
                    options = options with { Connections = counts };
                    break;
                default:
                    error = $"Unknown option '{name}'.";
                    break;
            }
            if (error is not null)
            {
                return null;
            }
        }

        if (string.IsNullOrWhiteSpace(options.AdminKey))
        {
            error = "An admin key is needed: --admin-key KEY or PAYMENTHUB_ADMIN_KEY.";
            return null;
        }
        if (!options.BaseUrl.IsLoopback)
        {
            // This tool generates load: it only ever targets a gateway on this machine.
            error = $"Refusing to load '{options.BaseUrl.Host}': the benchmark only targets loopback addresses (localhost, 127.0.0.0/8, [::1]).";
            return null;
        }
        return options;
    }

    private static int ParseInt(string name, string value, int min, int max, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }
        error = $"{name} must be a whole number from {min} to {max}, not '{value}'.";
        return 0;
    }
}
