using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace PaymentHub.Connectors.Resilience;

/// <summary>Resilience settings of one upstream (bound from <c>Connectors:{Name}</c>).</summary>
public sealed class UpstreamResilienceOptions
{
    /// <summary>The whole call, retries included.</summary>
    public double TimeoutSeconds { get; set; } = 30;
    public double AttemptTimeoutSeconds { get; set; } = 10;
    /// <summary>Retries of requests marked safe to repeat (inquiries, status queries, price lists).</summary>
    public int MaxRetries { get; set; } = 2;
    public double RetryDelaySeconds { get; set; } = 0.5;
    public double BreakerFailureRatio { get; set; } = 0.5;
    public int BreakerMinimumThroughput { get; set; } = 10;
    public double BreakerSamplingSeconds { get; set; } = 30;
    public double BreakerBreakSeconds { get; set; } = 15;
}

/// <summary>
/// The two pipelines of one upstream, sharing one circuit breaker: a singleton per upstream, so the breaker's state
/// survives the HTTP handler rotation of IHttpClientFactory.
/// </summary>
public sealed partial class UpstreamResilience
{
    /// <summary>Set to true on a request that may be sent twice without harm. Anything else is never resent once it may have left.</summary>
    public static readonly HttpRequestOptionsKey<bool> SafeToRepeat = new("PaymentHub.SafeToRepeat");

    private readonly CircuitBreakerStateProvider _breakerState = new();

    public ResiliencePipeline<HttpResponseMessage> Repeatable { get; }
    public ResiliencePipeline<HttpResponseMessage> NonRepeatable { get; }

    /// <summary>The shared breaker's state (for the readiness check and the metrics).</summary>
    public CircuitState BreakerState => _breakerState.CircuitState;

    /// <param name="upstream">The upstream's name in the retry log line.</param>
    /// <param name="logger">Where each retry is told (a Warning), or null for none.</param>
    public UpstreamResilience(UpstreamResilienceOptions options, TimeProvider clock, string upstream = "upstream", ILogger? logger = null)
    {
        // Every retry is logged: an operator sees an upstream that needs a second attempt, and a test that counts calls can
        // tell a retry from a second request. Neither the request nor the reply is in the line, only what went wrong.
        var retryLog = logger ?? NullLogger.Instance;
        Func<OnRetryArguments<HttpResponseMessage>, ValueTask> onRetry = args =>
        {
            LogRetry(retryLog, upstream, args.AttemptNumber + 1,
                args.Outcome.Exception?.GetType().Name ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}",
                (long)args.RetryDelay.TotalMilliseconds);
            return default;
        };
        var breaker = new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = Math.Max(2, options.BreakerMinimumThroughput),
            SamplingDuration = TimeSpan.FromSeconds(Math.Max(0.5, options.BreakerSamplingSeconds)),
            BreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, options.BreakerBreakSeconds)),
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TimeoutRejectedException>()
                .HandleResult(r => (int)r.StatusCode >= 500),
            StateProvider = _breakerState,
        };
        // One breaker instance shared by both pipelines: a failing upstream stops inquiries and payments alike.
        var sharedBreaker = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddCircuitBreaker(breaker)
            .Build();

        Repeatable = Build(options, clock, sharedBreaker, new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(options.RetryDelaySeconds),
            MaxDelay = TimeSpan.FromSeconds(10),
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TimeoutRejectedException>()
                .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
            OnRetry = onRetry,
        }, options.MaxRetries > 0);

        // A request that is not safe to repeat (a payment) is retried only when it provably never left: the
        // connection was refused before a byte was sent.
        NonRepeatable = Build(options, clock, sharedBreaker, new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(options.RetryDelaySeconds),
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>(IsConnectionRefused),
            OnRetry = onRetry,
        }, options.MaxRetries > 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Upstream}: attempt {Attempt} failed ({Failure}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string upstream, int attempt, string failure, long delayMs);

    public static bool IsConnectionRefused(HttpRequestException ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };

    private static ResiliencePipeline<HttpResponseMessage> Build(
        UpstreamResilienceOptions options, TimeProvider clock, ResiliencePipeline<HttpResponseMessage> breaker,
        RetryStrategyOptions<HttpResponseMessage> retry, bool withRetry)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddTimeout(TimeSpan.FromSeconds(options.TimeoutSeconds));
        if (withRetry)
        {
            builder.AddRetry(retry);
        }
        return builder
            .AddPipeline(breaker)
            .AddTimeout(TimeSpan.FromSeconds(options.AttemptTimeoutSeconds))
            .Build();
    }
}

/// <summary>Runs every request of a typed client through its upstream's pipeline, chosen by <see cref="UpstreamResilience.SafeToRepeat"/>.</summary>
public sealed class UpstreamResilienceHandler(UpstreamResilience resilience) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pipeline = request.Options.TryGetValue(UpstreamResilience.SafeToRepeat, out var safe) && safe
            ? resilience.Repeatable
            : resilience.NonRepeatable;
        return await pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken);
    }
}
