using System.Globalization;

namespace PaymentHub.Bench;

/// <summary>Prints the per-phase table and what the replies said.</summary>
public static class Report
{
    public static void PrintPhases(IReadOnlyList<PhaseStats> phases, TimeSpan runElapsed, TimeSpan clientCpu, bool cutOff)
    {
        Console.WriteLine(Row("action", "sent", "replies", "2xx", "non-2xx", "no reply", "seconds", "req/s", "2xx/s",
            "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms"));
        foreach (var phase in phases)
        {
            var latency = phase.Latency();
            Console.WriteLine(Row(
                phase.Action,
                Int(phase.Planned - phase.Unsent),
                Int(phase.Replies),
                Int(phase.Successes),
                Int(phase.NonSuccessReplies),
                Int(phase.FailureCount),
                phase.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                Rate(phase.RequestsPerSecond),
                Rate(phase.SuccessesPerSecond),
                Ms(latency.Mean), Ms(latency.P50), Ms(latency.P95), Ms(latency.P99), Ms(latency.Max)));
        }
        var replies = phases.Sum(p => p.Replies);
        Console.WriteLine(Row("all", Int(phases.Sum(p => p.Planned - p.Unsent)), Int(replies), Int(phases.Sum(p => p.Successes)),
            Int(phases.Sum(p => p.NonSuccessReplies)), Int(phases.Sum(p => p.FailureCount)),
            runElapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
            Rate(replies / Math.Max(runElapsed.TotalSeconds, 1e-9)),
            Rate(phases.Sum(p => p.Successes) / Math.Max(runElapsed.TotalSeconds, 1e-9)),
            "", "", "", "", ""));
        Console.WriteLine($"(client CPU time {clientCpu.TotalSeconds:0.00} s over {runElapsed.TotalSeconds:0.00} s wall; latency is over requests that got a reply)");
        if (cutOff)
        {
            Console.WriteLine($"NOTE: --duration cap reached; {phases.Sum(p => p.Unsent)} planned requests were never sent.");
        }

        Console.WriteLine();
        var anyNonSuccess = false;
        Console.WriteLine("non-2xx replies by status:");
        foreach (var phase in phases)
        {
            foreach (var (status, count) in phase.ByStatus.Where(p => p.Key is < 200 or > 299).OrderBy(p => p.Key))
            {
                Console.WriteLine($"  {phase.Action,-13} {status}: {count}");
                anyNonSuccess = true;
            }
            foreach (var (cause, count) in phase.Failures.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  {phase.Action,-13} no reply, {cause}: {count}");
                anyNonSuccess = true;
            }
        }
        if (!anyNonSuccess)
        {
            Console.WriteLine("  none");
        }

        Console.WriteLine("what the replies said:");
        foreach (var phase in phases)
        {
            foreach (var (note, count) in phase.Notes.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  {phase.Action,-13} {note}: {count}");
            }
        }
    }

    private static string Row(params string[] cells)
    {
        int[] widths = [13, 7, 8, 7, 8, 9, 8, 8, 8, 8, 8, 8, 8, 8];
        return string.Concat(cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Rate(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
