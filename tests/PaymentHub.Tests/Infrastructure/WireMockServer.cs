using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A real WireMock (the standalone jar from the npm package <c>wiremock</c>, run with the machine's java), started once
/// per test run and stopped when the test process exits. Tests stay isolated by giving every test its own URL prefix
/// (<see cref="NewScope"/>): stubs and journal counts are all under that prefix, and disposing the scope removes both.
/// </summary>
public sealed class WireMockServer
{
    public const string Version = "3.13.2";
    private static readonly Lazy<Task<WireMockServer>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly HttpClient _admin;

    public string BaseUrl { get; }

    private WireMockServer(string baseUrl)
    {
        BaseUrl = baseUrl;
        _admin = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static Task<WireMockServer> GetAsync() => Shared.Value;

    /// <summary>A fresh URL prefix; <see cref="WireMockScope.BaseUrl"/> is what the app under test is pointed at.</summary>
    public WireMockScope NewScope(string name) => new(this, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 13, 60)]);

    /// <summary>Adds one mapping, or several when the JSON is <c>{"mappings":[...]}</c> (as in WireMock's mapping files).</summary>
    public async Task AddMappingAsync(string mappingJson)
    {
        var path = JsonNode.Parse(mappingJson) is JsonObject o && o.ContainsKey("mappings") ? "/__admin/mappings/import" : "/__admin/mappings";
        using var response = await _admin.PostAsync(path, new StringContent(mappingJson, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"WireMock refused a mapping ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Loads every <c>*.json</c> mapping of a folder under the test output (e.g. <c>Stubs/Iak</c>), replacing tokens first.</summary>
    public async Task LoadMappingsAsync(string folder, IReadOnlyDictionary<string, string>? tokens = null, Func<string, bool>? include = null)
    {
        var path = Path.Combine(AppContext.BaseDirectory, folder);
        foreach (var file in Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal))
        {
            if (include is not null && !include(Path.GetFileNameWithoutExtension(file)))
            {
                continue;
            }
            await AddMappingAsync(Replace(await File.ReadAllTextAsync(file), tokens));
        }
    }

    /// <summary>Drops every stub, scenario and journal entry of the shared server: only for a run where no other test uses it.</summary>
    public async Task ResetAsync()
    {
        using var response = await _admin.PostAsync("/__admin/reset", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Deletes every mapping whose request URL (<c>url</c>, <c>urlPath</c>, <c>urlPattern</c> or <c>urlPathPattern</c>) lies
    /// under <c>/{prefix}/</c>, and every journal entry for such a URL. Mappings have ids (<c>DELETE /__admin/mappings/{id}</c>);
    /// the journal is pruned by a request pattern (<c>POST /__admin/requests/remove</c>).
    /// </summary>
    public async Task RemoveUnderPrefixAsync(string prefix)
    {
        var under = "/" + prefix + "/";
        var mappings = await _admin.GetFromJsonAsync<JsonObject>("/__admin/mappings");
        foreach (var mapping in mappings?["mappings"]?.AsArray() ?? [])
        {
            var request = mapping?["request"]?.AsObject();
            var urls = new[] { "url", "urlPath", "urlPattern", "urlPathPattern" }
                .Select(key => request?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null);
            if (!urls.Any(url => url is not null && (url.StartsWith(under, StringComparison.Ordinal) || url == under.TrimEnd('/'))))
            {
                continue;
            }
            using var deleted = await _admin.DeleteAsync($"/__admin/mappings/{mapping!["id"]!.GetValue<string>()}");
            // 404: already gone (a second cleanup of the same scope).
            if (!deleted.IsSuccessStatusCode && deleted.StatusCode != HttpStatusCode.NotFound)
            {
                throw new InvalidOperationException($"WireMock did not delete a mapping ({(int)deleted.StatusCode}).");
            }
        }
        var pattern = new JsonObject { ["urlPattern"] = $"/\\Q{prefix}\\E([/?].*)?" };
        using var removed = await _admin.PostAsync("/__admin/requests/remove",
            new StringContent(pattern.ToJsonString(), Encoding.UTF8, "application/json"));
        if (removed.StatusCode == HttpStatusCode.InternalServerError)
        {
            // WireMock answers 500 when it cannot render a journal entry whose response names a charset it does not know
            // (the bogus-charset stubs do that on purpose). Those entries stay; every count is made under its own prefix,
            // so they cannot reach another test.
            var why = await removed.Content.ReadAsStringAsync();
            Console.Error.WriteLine($"WireMock kept the journal entries under /{prefix}/: {why[..Math.Min(200, why.Length)]}");
            return;
        }
        removed.EnsureSuccessStatusCode();
    }

    /// <summary>How many requests the journal holds that match a WireMock request pattern (method, url, bodyPatterns…).</summary>
    public async Task<int> CountRequestsAsync(JsonObject pattern)
    {
        using var response = await _admin.PostAsync("/__admin/requests/count",
            new StringContent(pattern.ToJsonString(), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return body!["count"]!.GetValue<int>();
    }

    public Task<int> CountRequestsAsync(string method, string url, string? bodyContains = null)
    {
        var pattern = new JsonObject { ["method"] = method, ["url"] = url };
        if (bodyContains is not null)
        {
            pattern["bodyPatterns"] = new JsonArray(new JsonObject { ["contains"] = bodyContains });
        }
        return CountRequestsAsync(pattern);
    }

    internal static string Replace(string text, IReadOnlyDictionary<string, string>? tokens)
    {
        foreach (var (token, value) in tokens ?? new Dictionary<string, string>())
        {
            text = text.Replace(token, value, StringComparison.Ordinal);
        }
        return text;
    }

    private static async Task<WireMockServer> StartAsync()
    {
        var jar = await FindOrInstallJarAsync();
        var port = FreePort();
        var root = Path.Combine(Path.GetTempPath(), $"paymenthub-wiremock-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        Directory.CreateDirectory(Path.Combine(root, "mappings"));
        var start = new ProcessStartInfo
        {
            FileName = "java",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "-jar", jar, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind-address", "127.0.0.1", "--disable-banner", "--root-dir", root, "--async-response-enabled", "true" })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start java for WireMock.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ExitWatchdog.RunAfterExit($"kill {process.Id}; sleep 2; kill -9 {process.Id}; rm -rf {ExitWatchdog.Quote(root)}");

        var server = new WireMockServer($"http://127.0.0.1:{port}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"WireMock exited ({process.ExitCode}): {output}");
            }
            try
            {
                using var health = await server._admin.GetAsync("/__admin/health");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"WireMock did not start within 60 s: {output}");
            }
            await Task.Delay(200);
        }
    }

    private static async Task<string> FindOrInstallJarAsync()
    {
        var repo = FindRepoRoot();
        var prefix = Path.Combine(repo, "tests", ".wiremock");
        var jar = Path.Combine(prefix, "node_modules", "wiremock", "build", $"wiremock-standalone-{Version}.jar");
        if (File.Exists(jar))
        {
            return jar;
        }
        // One install at a time, across test processes too.
        Directory.CreateDirectory(prefix);
        await using (var gate = await AcquireLockAsync(Path.Combine(prefix, ".install.lock")))
        {
            if (!File.Exists(jar))
            {
                var start = new ProcessStartInfo
                {
                    FileName = "npm",
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    WorkingDirectory = repo,
                };
                foreach (var argument in new[] { "install", "--no-save", "--prefix", prefix, $"wiremock@{Version}" })
                {
                    start.ArgumentList.Add(argument);
                }
                using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm to install WireMock.");
                var stdout = npm.StandardOutput.ReadToEndAsync();
                var stderr = npm.StandardError.ReadToEndAsync();
                await npm.WaitForExitAsync();
                if (npm.ExitCode != 0 || !File.Exists(jar))
                {
                    throw new InvalidOperationException($"npm install wiremock@{Version} failed ({npm.ExitCode}): {await stdout}{await stderr}");
                }
            }
        }
        return jar;
    }

    private static async Task<FileStream> AcquireLockAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentHub.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("PaymentHub.sln not found above the test output directory.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// One test's slice of WireMock: its own URL prefix, used by its stubs and its journal counts. Disposing it deletes
/// every mapping under the prefix (also those added through <see cref="WireMockServer.AddMappingAsync"/>) and the
/// prefix's requests from the journal, so that a long run does not pile them up in the shared server.
/// </summary>
public sealed class WireMockScope(WireMockServer server, string prefix) : IAsyncDisposable
{
    public WireMockServer Server => server;
    public string Prefix => prefix;
    public string BaseUrl => $"{server.BaseUrl}/{prefix}";

    /// <summary>Loads named stub files of a folder with <c>__PREFIX__</c> replaced by this scope's prefix.</summary>
    public Task StubAsync(string folder, params string[] names) => StubAsync(folder, null, names);

    /// <summary>Loads named stub files with <c>__PREFIX__</c> and the given tokens (e.g. <c>__RC__</c>) replaced.</summary>
    public async Task StubAsync(string folder, IReadOnlyDictionary<string, string>? extraTokens, params string[] names)
    {
        var tokens = new Dictionary<string, string>(extraTokens ?? new Dictionary<string, string>()) { ["__PREFIX__"] = prefix };
        foreach (var name in names)
        {
            var file = Path.Combine(AppContext.BaseDirectory, folder, name + ".json");
            await server.AddMappingAsync(WireMockServer.Replace(await File.ReadAllTextAsync(file), tokens));
        }
    }

    public Task<int> CountAsync(string path, string? bodyContains = null) =>
        server.CountRequestsAsync("POST", $"/{prefix}{path}", bodyContains);

    /// <summary>Deletes this scope's mappings (and so their scenarios) and its requests from the journal. Safe to call twice.</summary>
    public ValueTask DisposeAsync() => new(server.RemoveUnderPrefixAsync(prefix));
}
