using System.Globalization;

namespace PaymentHub.Bench;

/// <summary>
/// pgbench's ceiling for a suite step: measured by <c>--ceiling-command</c> right before the step, or read from the
/// <c>--ceiling</c> file. The machine's speed drifts by tens of percent within minutes, so a ceiling measured at the
/// start of a run and a gateway step measured minutes later can be two different machines (bench/README.md, "The
/// ceiling beside each step").
/// </summary>
public sealed class Ceilings
{
    private readonly Dictionary<(int Wallets, int Clients), double> _fromFile;
    private readonly string[]? _command;
    private readonly string _label;
    private readonly TimeSpan _timeout;

    private Ceilings(string? command, string? file, string label, int stepSeconds)
    {
        _fromFile = ReadFile(file);
        _command = command?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        _label = label;
        _timeout = TimeSpan.FromSeconds(stepSeconds + 120);
    }

    /// <summary>The ceiling of <c>--ceiling-command</c> (or <c>--ceiling</c>): the transaction on tables without foreign keys.</summary>
    public static Ceilings Plain(BenchOptions options) =>
        new(options.CeilingCommand, options.CeilingFile, "pgbench beside it", options.StepSeconds);

    /// <summary>The ceiling of <c>--fk-ceiling-command</c>: the same transaction on tables with the gateway's foreign keys; none without it.</summary>
    public static Ceilings WithForeignKeys(BenchOptions options) =>
        new(options.ForeignKeyCeilingCommand, null, "pgbench, foreign keys", options.StepSeconds);

    /// <summary>
    /// The recharge's floor of <c>--floor-command</c>: its two commits on tables with the gateway's foreign keys, measured
    /// right before each recharge step, because a p99 the machine's own database cannot reach in that minute is not the
    /// gateway's (bench/README.md, "The recharge's floor beside its step"); none without it.
    /// </summary>
    public static Ceilings Floor(BenchOptions options) =>
        new(options.FloorCommand, null, "floor, two commits, FKs", options.StepSeconds);

    /// <summary>pgbench's tps (and its own p99, when printed) for <paramref name="wallets"/> at <paramref name="clients"/>; null when there is none.</summary>
    public async Task<PgbenchFigure?> ForStepAsync(int wallets, int clients)
    {
        if (_command is not { Length: > 0 } command)
        {
            return _fromFile.TryGetValue((wallets, clients), out var tps) ? new PgbenchFigure(tps, null) : null;
        }
        var result = await ExternalCommand.RunAsync(command,
            [wallets.ToString(CultureInfo.InvariantCulture), clients.ToString(CultureInfo.InvariantCulture)], _timeout);
        var line = result.Output;
        Console.WriteLine($"  {_label,-24} c={clients,-4} wallets={wallets}: {line}");
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (result.ExitCode != 0 || words.Length == 0 || !double.TryParse(words[0], CultureInfo.InvariantCulture, out var measured) || measured <= 0)
        {
            Console.WriteLine($"  (no ceiling for this step: exit {result.ExitCode}; {result.Errors})");
            return null;
        }
        var p99At = Array.IndexOf(words, "p99");
        return new PgbenchFigure(measured,
            p99At >= 0 && p99At + 1 < words.Length && double.TryParse(words[p99At + 1], CultureInfo.InvariantCulture, out var p99) ? p99 : null);
    }

    private static Dictionary<(int, int), double> ReadFile(string? file)
    {
        var result = new Dictionary<(int, int), double>();
        if (file is null || !File.Exists(file))
        {
            return result;
        }
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var wallets)
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var clients)
                && double.TryParse(parts[2], CultureInfo.InvariantCulture, out var tps))
            {
                result[(wallets, clients)] = tps;
            }
        }
        return result;
    }
}

/// <summary>One pgbench measurement: its tps, and its own p99 in ms when step.sh printed one.</summary>
public sealed record PgbenchFigure(double Tps, double? P99Ms);
