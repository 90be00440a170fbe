using System.Net;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Tests.Infrastructure;
using Polly.CircuitBreaker;
using Polly.Timeout;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Connectors.Resilience;

/// <summary>The resilience handler on its own, against a real (in-process) WireMock: who is retried, who is never resent.</summary>
public sealed class UpstreamResilienceTests
{
    private static readonly UpstreamResilienceOptions Fast = new()
    {
        TimeoutSeconds = 5, AttemptTimeoutSeconds = 1, MaxRetries = 2, RetryDelaySeconds = 0.02, BreakerMinimumThroughput = 100,
    };

    private sealed class Counting : DelegatingHandler
    {
        public int Sent;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static (HttpClient Client, Counting Counter) Client(UpstreamResilienceOptions options)
    {
        var counter = new Counting { InnerHandler = new SocketsHttpHandler() };
        var handler = new UpstreamResilienceHandler(new UpstreamResilience(options, TimeProvider.System)) { InnerHandler = counter };
        return (new HttpClient(handler), counter);
    }

    private static HttpRequestMessage Post(string url, bool safeToRepeat)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"commands\":\"x\"}") };
        request.Options.Set(UpstreamResilience.SafeToRepeat, safeToRepeat);
        return request;
    }

    private static async Task<WireMockScope> StubAsync(string name, IResponseBuilder response)
    {
        var scope = await WireMockScope.StartAsync(name);
        scope.Given(Request.Create().UsingPost().WithPath(new ExactMatcher($"/{scope.Prefix}/call"))).RespondWith(response);
        return scope;
    }

    [Fact]
    public async Task A_request_safe_to_repeat_is_retried_on_server_errors()
    {
        await using var scope = await StubAsync("retry-safe", Response.Create().WithStatusCode(500));
        var (client, counter) = Client(Fast);
        using var response = await client.SendAsync(Post(scope.BaseUrl + "/call", safeToRepeat: true));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(3, counter.Sent);
        Assert.Equal(3, await scope.CountAsync("/call"));
    }

    [Fact]
    public async Task A_request_not_marked_safe_is_never_resent_after_a_server_error_or_a_timeout()
    {
        await using var errors = await StubAsync("retry-unsafe", Response.Create().WithStatusCode(503));
        await using var slow = await StubAsync("retry-unsafe-slow", Response.Create().WithStatusCode(200).WithWireDelay(2500));
        var (client, counter) = Client(Fast);
        using (var response = await client.SendAsync(Post(errors.BaseUrl + "/call", safeToRepeat: false)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
        await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.SendAsync(Post(slow.BaseUrl + "/call", safeToRepeat: false)));
        Assert.Equal(2, counter.Sent);
        Assert.Equal(1, await errors.CountAsync("/call"));
        Assert.Equal(1, await slow.CountAsync("/call"));
    }

    [Fact]
    public async Task A_request_not_marked_safe_is_retried_when_the_connection_was_refused_before_sending()
    {
        var closedPort = LoopbackPorts.Free();
        var (client, counter) = Client(Fast);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Post($"http://127.0.0.1:{closedPort}/call", safeToRepeat: false)));
        Assert.True(UpstreamResilience.IsConnectionRefused(error));
        Assert.Equal(3, counter.Sent);
    }

    [Fact]
    public async Task The_circuit_opens_after_failures_and_stops_calling_the_upstream()
    {
        await using var scope = await StubAsync("breaker", Response.Create().WithStatusCode(500));
        var (client, counter) = Client(new UpstreamResilienceOptions
        {
            TimeoutSeconds = 5, AttemptTimeoutSeconds = 1, MaxRetries = 0, BreakerMinimumThroughput = 2, BreakerFailureRatio = 0.5,
            BreakerSamplingSeconds = 30, BreakerBreakSeconds = 30,
        });
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Post(scope.BaseUrl + "/call", safeToRepeat: false));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        await Assert.ThrowsAnyAsync<BrokenCircuitException>(() => client.SendAsync(Post(scope.BaseUrl + "/call", safeToRepeat: true)));
        Assert.Equal(2, counter.Sent);
        Assert.Equal(2, await scope.CountAsync("/call"));
    }
}
