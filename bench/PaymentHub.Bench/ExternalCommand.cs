using System.Diagnostics;

namespace PaymentHub.Bench;

/// <summary>A helper script the suite runs between steps (pgbench's step.sh, wal-stats.sh): its output, exit code and errors.</summary>
public static class ExternalCommand
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs <paramref name="command"/> (program, then arguments) with <paramref name="extraArguments"/> appended.</summary>
    /// <exception cref="BenchSetupException">It could not start, or did not finish within <paramref name="timeout"/>.</exception>
    public static async Task<Result> RunAsync(string[] command, IEnumerable<string> extraArguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1).Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new BenchSetupException($"Could not start {command[0]}.");
        using var deadline = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new BenchSetupException($"{command[0]} did not finish within {timeout.TotalSeconds:0} s.");
        }
        return new Result(process.ExitCode, (await output).Trim(), (await errors).Trim());
    }
}
