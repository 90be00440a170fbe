using System.Diagnostics;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Runs a shell command once this test process is gone, however it ends. The test host is often killed by the runner
/// without raising <see cref="AppDomain.ProcessExit"/>, which used to leave the throwaway PostgreSQL cluster running after
/// the run; a detached shell that polls this process id does the clean-up instead.
/// </summary>
public static class ExitWatchdog
{
    public static void RunAfterExit(string shellCommand)
    {
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {shellCommand}");
        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("Could not start the exit watchdog.");
    }

    /// <summary>Quotes one argument for <c>sh</c>.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
