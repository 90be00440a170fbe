using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A test's fake upstream: an in-process WireMock.Net server on a loopback port, so stubs, scenario states and the request
/// journal belong to that test alone (a class's tests that share one call <see cref="Reset"/> between them), and disposing the
/// scope stops the server. The app under test is pointed at
/// <see cref="BaseUrl"/>, which puts a per-test path prefix in front of every upstream path (stubs name it as
/// <c>__PREFIX__</c>), so a test also shows the app keeps its configured base path.
/// </summary>
/// <remarks>
/// <para>Three things behave as the tests need rather than as WireMock.Net does on its own, and all three are done by the
/// <see cref="WireBehaviour"/> middleware in front of WireMock.Net:</para>
/// <list type="bullet">
/// <item>The journal (<see cref="Requests"/>) records a request when it arrives. WireMock.Net logs it only after the
/// response is ready, i.e. after any delay, so a call that the client gave up on would not be counted yet.</item>
/// <item>Delays (<see cref="WireMockStubs.WithWireDelay"/>) are served after WireMock.Net has chosen the response. With
/// WireMock.Net's own delay a scenario moves to its next state only when the delay ends, so a retry sent meanwhile would get
/// the delayed answer again instead of the next one.</item>
/// <item>Network faults (<see cref="WireFault"/>): WireMock.Net's EMPTY_RESPONSE still sends a status line and headers;
/// here the connection is closed (or reset) before a single byte of a response is sent.</item>
/// </list>
/// <para>Among the stubs that match a request, the one with the better (lower) priority wins and, at equal priority, the one
/// added last (so a test can change an answer while the app keeps asking). WireMock.Net would otherwise prefer the stub with
/// more matchers; <see cref="Given"/> and <see cref="StubAsync(string, string[])"/> encode both rules into its priority.</para>
/// </remarks>
public sealed class WireMockScope : IAsyncDisposable
{
    /// <summary>The priority of a stub that names none (lower wins).</summary>
    public const int DefaultPriority = 5;

    private const int PriorityStep = 1_000_000;

    private readonly ConcurrentQueue<UpstreamRequest> _journal;
    private readonly IHostApplicationLifetime _lifetime;
    private int _stubs;
    private int _disposed;

    private WireMockScope(WireMockServer server, string prefix, ConcurrentQueue<UpstreamRequest> journal, IHostApplicationLifetime lifetime)
    {
        Server = server;
        Prefix = prefix;
        _journal = journal;
        _lifetime = lifetime;
    }

    /// <summary>The WireMock.Net server; add stubs through <see cref="Given"/> so that the last one added wins.</summary>
    public WireMockServer Server { get; }

    public string Prefix { get; }

    /// <summary>The server's root, <c>http://127.0.0.1:port</c>.</summary>
    public string ServerUrl => Server.Url!;

    /// <summary>What the app under test is pointed at: the server plus this test's prefix.</summary>
    public string BaseUrl => $"{ServerUrl}/{Prefix}";

    /// <summary>Every request that reached the server, in arrival order, counted on arrival (also unmatched and faulted ones).</summary>
    public IReadOnlyList<UpstreamRequest> Requests => [.. _journal];

    /// <summary>Starts a server on a free loopback port; the prefix is <paramref name="name"/> (letters, digits, '-' kept).</summary>
    public static async Task<WireMockScope> StartAsync(string name)
    {
        await WarmedUp.Value;
        return Start(name);
    }

    /// <summary>
    /// The first request that WireMock.Net answers in a process is slow: Kestrel, WireMock.Net and Json.NET are compiled on
    /// the spot, about a second on an idle machine and more on a loaded one. That is the length of the harnesses' attempt
    /// timeouts: the app would send its first call again and the test's exact call count would be off. So once per process a
    /// throwaway server answers a request through each kind of stub first.
    /// </summary>
    private static readonly Lazy<Task> WarmedUp = new(WarmUpAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static async Task WarmUpAsync()
    {
        await using var scope = Start("warm-up");
        scope.AddMappings("warm-up", JsonNode.Parse("""
            [{"Scenario":"warm-up","SetStateTo":"second",
              "Request":{"Path":{"Matchers":[{"Name":"ExactMatcher","Pattern":"/warm-up/json"}]},"Methods":["POST"],
                         "Body":{"Matcher":{"Name":"JsonPartialMatcher","Pattern":{"commands":"^warm\\z"},"Regex":true}}},
              "Response":{"StatusCode":200,"Headers":{"Content-Type":"application/json","X-Wire-Delay-Ms":"1"},
                          "BodyAsJson":{"data":{"n":1},"meta":[]}}}]
            """)!);
        scope.Given(Request.Create().UsingPost().WithPathAndQuery("/warm-up/exact?x=1").WithHeader("Authorization", new ExactMatcher("Bearer w"))
                .WithBody(new JsonMatcher("""{"id":"w"}""")))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(request => JsonNode.Parse(request.Body ?? "{}")!.ToJsonString()));
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using (var json = await http.PostAsync($"{scope.ServerUrl}/warm-up/json",
                   new StringContent("""{"commands":"warm"}""", Encoding.UTF8, "application/json")))
        {
            json.EnsureSuccessStatusCode();
        }
        using var exact = new HttpRequestMessage(HttpMethod.Post, $"{scope.ServerUrl}/warm-up/exact?x=1")
        {
            Content = new StringContent("""{"id":"w"}""", Encoding.UTF8, "application/json"),
        };
        exact.Headers.TryAddWithoutValidation("Authorization", "Bearer w");
        using var reply = await http.SendAsync(exact);
        reply.EnsureSuccessStatusCode();
    }

    private static WireMockScope Start(string name)
    {
        var prefix = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        if (prefix.Length == 0)
        {
            throw new ArgumentException("A scope needs a name.", nameof(name));
        }
        var journal = new ConcurrentQueue<UpstreamRequest>();
        IHostApplicationLifetime? lifetime = null;
        var server = WireMockServer.Start(new WireMockServerSettings
        {
            // Loopback only; port 0 lets the OS choose a free port, which WireMock.Net reads back once Kestrel listens.
            Urls = ["http://127.0.0.1:0"],
            StartAdminInterface = false,
            Logger = new WireMockNullLogger(),
            PreWireMockMiddlewareInit = builder =>
            {
                var app = (IApplicationBuilder)builder;
                lifetime = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>();
                app.Use((context, next) => WireBehaviour.InvokeAsync(context, next, journal));
            },
        });
        return new WireMockScope(server, prefix, journal,
            lifetime ?? throw new InvalidOperationException("WireMock.Net did not build its pipeline."));
    }

    /// <summary>
    /// Starts a stub; finish it with <c>RespondWith</c>. Its priority (lower wins, default <see cref="DefaultPriority"/>) is
    /// encoded so that among equal priorities the stub added last wins.
    /// </summary>
    public IRespondWithAProvider Given(IRequestBuilder request, int priority = DefaultPriority) =>
        Server.Given(request).AtPriority(NextPriority(priority));

    /// <summary>Loads named stub files (WireMock.Net mapping JSON) of a folder, <c>__PREFIX__</c> replaced by this scope's prefix.</summary>
    public Task StubAsync(string folder, params string[] names) => StubAsync(folder, null, names);

    /// <summary>
    /// Loads named stub files with <c>__PREFIX__</c> and the given tokens (e.g. <c>__RC__</c>) replaced. A file holds one
    /// mapping or an array of them.
    /// </summary>
    public async Task StubAsync(string folder, IReadOnlyDictionary<string, string>? extraTokens, params string[] names)
    {
        var tokens = new Dictionary<string, string>(extraTokens ?? new Dictionary<string, string>()) { ["__PREFIX__"] = Prefix };
        foreach (var name in names)
        {
            var file = Path.Combine(AppContext.BaseDirectory, folder, name + ".json");
            var text = await File.ReadAllTextAsync(file);
            foreach (var (token, value) in tokens)
            {
                text = text.Replace(token, value, StringComparison.Ordinal);
            }
            AddMappings(name, JsonNode.Parse(text)!);
        }
    }

    /// <summary>How many POSTs reached <c>/{prefix}{pathAndQuery}</c> (path and query exactly), optionally with a body containing a text.</summary>
    public Task<int> CountAsync(string pathAndQuery, string? bodyContains = null) =>
        Task.FromResult(Count("POST", $"/{Prefix}{pathAndQuery}", bodyContains));

    /// <summary>How many requests with this method reached exactly this path and query, optionally with a body containing a text.</summary>
    public int Count(string method, string pathAndQuery, string? bodyContains = null) =>
        Count(r => r.Method == method && r.PathAndQuery == pathAndQuery && (bodyContains is null || r.Body.Contains(bodyContains, StringComparison.Ordinal)));

    public int Count(Func<UpstreamRequest, bool> which) => Requests.Count(which);

    /// <summary>
    /// Forgets every stub, scenario state and request so far, for the next test of a class that shares this fake. Requests
    /// still arriving from the earlier test would be journalled: share a fake only where nothing calls it between tests.
    /// </summary>
    public void Reset()
    {
        Server.Reset();
        Server.ResetScenarios();
        _journal.Clear();
    }

    /// <summary>Stops the server: once this returns, its port refuses connections. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStopped.Register(() => stopped.TrySetResult()))
        {
            // Dispose starts the stop without blocking a thread on it (Stop() would, and may still return before Kestrel has
            // closed its listener: a connection made meanwhile is accepted and then reset instead of refused). Stopped is
            // signalled once Kestrel is down.
            Server.Dispose();
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private int NextPriority(int priority)
    {
        if (priority is < 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "A stub's priority is 0 to 1000.");
        }
        var order = Interlocked.Increment(ref _stubs);
        if (order >= PriorityStep)
        {
            throw new InvalidOperationException("Too many stubs in one scope.");
        }
        return priority * PriorityStep + (PriorityStep - order);
    }

    private void AddMappings(string file, JsonNode json)
    {
        var mappings = json is JsonArray array ? array.Select(m => m!.AsObject()).ToList() : [json.AsObject()];
        foreach (var mapping in mappings)
        {
            // The file's own vocabulary must mean what the harness promises (see the remarks above).
            var response = mapping["Response"]?.AsObject() ?? throw new InvalidOperationException($"{file}: a mapping without Response.");
            foreach (var native in new[] { "Delay", "Fault", "MinimumRandomDelay", "MaximumRandomDelay" })
            {
                if (response.ContainsKey(native))
                {
                    throw new InvalidOperationException($"{file}: use the {WireBehaviour.DelayHeader} / {WireBehaviour.FaultHeader} headers, not WireMock.Net's {native}.");
                }
            }
            if (mapping["WhenStateIs"] is not null && mapping["SetStateTo"] is null)
            {
                // WireMock.Net moves a scenario back to its start after a mapping without SetStateTo.
                throw new InvalidOperationException($"{file}: a mapping with WhenStateIs needs SetStateTo (its own state to stay in it).");
            }
            var priority = mapping["Priority"]?.GetValue<int>() ?? DefaultPriority;
            mapping["Priority"] = NextPriority(priority);
        }
        Server.WithMapping(new JsonArray([.. mappings.Select(m => m.DeepClone())]).ToJsonString());
    }
}

/// <summary>One request as it reached a fake upstream.</summary>
public sealed record UpstreamRequest(string Method, string Path, string PathAndQuery, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>What the connection does instead of carrying a response (as Java WireMock's faults of the same names).</summary>
public enum WireFault
{
    /// <summary>The connection is closed (FIN) before any byte of a response: the client reads the end of the stream.</summary>
    EmptyResponse,

    /// <summary>The connection is reset (RST, SO_LINGER 0) before any byte of a response: the client's read fails.</summary>
    ConnectionResetByPeer,
}

/// <summary>Builder steps for stubs: the wire behaviours <see cref="WireMockScope"/> adds to WireMock.Net, and Java-WireMock-like matching.</summary>
public static class WireMockStubs
{
    /// <summary>Path and query exactly as given (no query: none allowed), like Java WireMock's <c>url</c>.</summary>
    public static IRequestBuilder WithPathAndQuery(this IRequestBuilder request, string pathAndQuery)
    {
        var mark = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = mark < 0 ? pathAndQuery : pathAndQuery[..mark];
        var query = mark < 0 ? "" : pathAndQuery[mark..];
        return request.WithPath(new ExactMatcher(path)).WithUrl(url => new Uri(url).Query == query);
    }

    /// <summary>Nothing is sent until <paramref name="milliseconds"/> after the request arrived (the journal and scenario state move at once).</summary>
    public static IResponseBuilder WithWireDelay(this IResponseBuilder response, int milliseconds) =>
        response.WithHeader(WireBehaviour.DelayHeader, milliseconds.ToString(CultureInfo.InvariantCulture));

    public static IResponseBuilder WithWireFault(this IResponseBuilder response, WireFault fault) =>
        response.WithHeader(WireBehaviour.FaultHeader, WireBehaviour.FaultName(fault));

    /// <summary>The body is sent without a Content-Length (chunked), in <paramref name="chunks"/> pieces spread over <paramref name="totalMilliseconds"/>.</summary>
    public static IResponseBuilder WithChunkedDribble(this IResponseBuilder response, int chunks, int totalMilliseconds) =>
        response.WithHeader(WireBehaviour.DribbleHeader, $"{chunks.ToString(CultureInfo.InvariantCulture)},{totalMilliseconds.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Puts the stub in a scenario the way the tests mean it: it matches in <paramref name="requiredState"/> (null or
    /// <c>Started</c>: the start), and moves to <paramref name="newState"/>, or else stays where it is.
    /// </summary>
    public static IRespondWithAProvider InScenario(this IRespondWithAProvider stub, string scenario, string? requiredState, string? newState)
    {
        var atStart = requiredState is null or "Started";
        if (atStart && newState is null)
        {
            throw new ArgumentException("A stub for the start of a scenario must move it on.", nameof(newState));
        }
        stub = stub.InScenario(scenario);
        if (!atStart)
        {
            stub = stub.WhenStateIs(requiredState!);
        }
        // WireMock.Net moves a scenario back to its start after a stub without a next state: staying is saying so.
        return stub.WillSetStateTo(newState ?? requiredState!);
    }
}

/// <summary>
/// The middleware in front of WireMock.Net: journals each request on arrival, lets WireMock.Net write its response into a
/// buffer, then sends it as the marker headers say (delayed, dribbled, or not at all) with the markers removed.
/// </summary>
internal static class WireBehaviour
{
    public const string DelayHeader = "X-Wire-Delay-Ms";
    public const string FaultHeader = "X-Wire-Fault";
    public const string DribbleHeader = "X-Wire-Chunked-Dribble";

    public static string FaultName(WireFault fault) => fault switch
    {
        WireFault.EmptyResponse => "EMPTY_RESPONSE",
        WireFault.ConnectionResetByPeer => "CONNECTION_RESET_BY_PEER",
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
    };

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next, ConcurrentQueue<UpstreamRequest> journal)
    {
        var request = context.Request;
        request.EnableBuffering();
        using (var body = new MemoryStream())
        {
            await request.Body.CopyToAsync(body, context.RequestAborted);
            request.Body.Position = 0;
            journal.Enqueue(new UpstreamRequest(
                request.Method,
                request.Path.Value ?? "",
                (request.Path.Value ?? "") + request.QueryString.Value,
                Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length),
                request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        }

        var wire = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = wire;
        }

        var headers = context.Response.Headers;
        var delay = Take(headers, DelayHeader);
        var fault = Take(headers, FaultHeader);
        var dribble = Take(headers, DribbleHeader);
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            if (delay is not null)
            {
                await Task.Delay(int.Parse(delay, CultureInfo.InvariantCulture), gone.Token);
            }
            switch (fault)
            {
                case null:
                    break;
                case "EMPTY_RESPONSE":
                    Socket(context).Shutdown(SocketShutdown.Both);
                    context.Abort();
                    return;
                case "CONNECTION_RESET_BY_PEER":
                    var socket = Socket(context);
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                    context.Abort();
                    return;
                default:
                    throw new InvalidOperationException($"Unknown {FaultHeader}: {fault}");
            }

            buffer.Position = 0;
            if (dribble is null)
            {
                if (buffer.Length > 0)
                {
                    context.Response.ContentLength = buffer.Length;
                }
                await buffer.CopyToAsync(wire, gone.Token);
                return;
            }
            var parts = dribble.Split(',');
            var chunks = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var pause = TimeSpan.FromMilliseconds(double.Parse(parts[1], CultureInfo.InvariantCulture) / chunks);
            var size = (int)Math.Ceiling(buffer.Length / (double)chunks);
            var piece = new byte[Math.Max(size, 1)];
            int read;
            while ((read = await buffer.ReadAsync(piece, gone.Token)) > 0)
            {
                await wire.WriteAsync(piece.AsMemory(0, read), gone.Token);
                await wire.FlushAsync(gone.Token);
                await Task.Delay(pause, gone.Token);
            }
        }
        catch (OperationCanceledException) when (gone.IsCancellationRequested)
        {
            // The client hung up (or the server is stopping) while the answer was held back; there is nobody to answer.
            context.Abort();
        }
    }

    private static Socket Socket(HttpContext context) =>
        context.Features.Get<IConnectionSocketFeature>()?.Socket ?? throw new InvalidOperationException("Kestrel did not expose the connection's socket.");

    private static string? Take(IHeaderDictionary headers, string name)
    {
        if (!headers.TryGetValue(name, out var value))
        {
            return null;
        }
        headers.Remove(name);
        return value.ToString();
    }
}
