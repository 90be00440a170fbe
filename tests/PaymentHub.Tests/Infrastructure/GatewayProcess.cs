using System.Diagnostics;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The gateway as a separate operating-system process (the built PaymentHub.Api.dll under `dotnet`), for tests that
/// must kill it for real. Configuration goes in as environment variables.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public string BaseUrl { get; }

    private GatewayProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(80));
            }
        }
    }

    public static async Task<GatewayProcess> StartAsync(IDictionary<string, string> settings)
    {
        var dll = FindGatewayDll();
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Demo__Seed"] = "false";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the gateway process.");
        var gateway = new GatewayProcess(process, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => gateway.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        // A separate dotnet process: on a loaded 2-core machine its start alone has taken over a minute.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {process.ExitCode}:\n{gateway.Output}");
            }
            try
            {
                if ((await http.GetAsync($"{gateway.BaseUrl}/health")).IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The gateway did not become healthy:\n{gateway.Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no finally blocks, in-flight calls simply vanish.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Add(line);
        }
    }

    internal static string FindGatewayDll()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(Repository.Root, "src", "PaymentHub.Api", "bin", configuration, "net10.0", "PaymentHub.Api.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"Build the gateway first: {dll} is missing.");
    }
}
