using System.Globalization;

namespace PaymentHub.Bench;

/// <summary>
/// PostgreSQL's WAL counters around a step, from <c>--wal-stats-command</c> (bench/pgbench/wal-stats.sh): how long a WAL
/// flush took on average, and how many pages were logged whole. Every commit waits for a flush, and a recharge for two,
/// so a disk whose flushes slow down in some minutes slows the recharge steps of those minutes; and a checkpoint just
/// before a step makes its first write to each page log the whole page (bench/README.md, "The recharge's floor beside its step").
/// </summary>
public sealed class WalStats(string? command)
{
    private readonly string[]? _command = command?.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The counters now; null without a command, or when it printed no three numbers.</summary>
    public async Task<WalSample?> ReadAsync()
    {
        if (_command is not { Length: > 0 } command)
        {
            return null;
        }
        var result = await ExternalCommand.RunAsync(command, [], TimeSpan.FromSeconds(30));
        var words = result.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (result.ExitCode != 0 || words.Length != 3
            || !long.TryParse(words[0], CultureInfo.InvariantCulture, out var syncs)
            || !double.TryParse(words[1], CultureInfo.InvariantCulture, out var syncMs)
            || !long.TryParse(words[2], CultureInfo.InvariantCulture, out var fullPages))
        {
            Console.WriteLine($"  (no WAL counters: exit {result.ExitCode}; {result.Output} {result.Errors})");
            return null;
        }
        return new WalSample(syncs, syncMs, fullPages);
    }
}

/// <summary>pg_stat_wal's wal_sync, wal_sync_time (ms) and wal_fpi at one moment.</summary>
public sealed record WalSample(long Syncs, double SyncMs, long FullPageImages)
{
    /// <summary>Two cells over the interval from <paramref name="before"/> to <paramref name="after"/>: ms per flush, full-page images.</summary>
    public static string Cells(WalSample? before, WalSample? after) => before is null || after is null
        ? " | "
        : string.Create(CultureInfo.InvariantCulture,
            $"{(after.Syncs > before.Syncs ? ((after.SyncMs - before.SyncMs) / (after.Syncs - before.Syncs)).ToString("0.00", CultureInfo.InvariantCulture) : "")} | " +
            $"{after.FullPageImages - before.FullPageImages}");
}
