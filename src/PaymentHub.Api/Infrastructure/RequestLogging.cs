using System.Diagnostics;
using System.Security.Claims;

namespace PaymentHub.Infrastructure;

/// <summary>
/// One structured line per request: method, path, action, status, elapsed, reseller or admin. Never the query
/// string or body, which is where credentials travel.
/// </summary>
public sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    /// <summary>Where reseller authentication leaves the caller's id for the request line (HttpContext.Items).</summary>
    public const string ResellerIdItem = "paymenthub.reseller_id";

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            // Registered before the error handling, so a failure is already answered (and its status set) when we get
            // here. Should an exception still escape, the server answers 500 unless the response had started.
            if (logger.IsEnabled(LogLevel.Information))
            {
                var status = completed || context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var resellerId = context.Items.TryGetValue(ResellerIdItem, out var id) ? id as int? : null;
                var action = context.Request.Query["action"].ToString();
                var path = ForLog(context.Request.Path.Value ?? "/");
                var loggedAction = action.Length is > 0 and <= 40 ? ForLog(action) : null;
                var admin = context.User.FindFirstValue(ClaimTypes.Name);
                var elapsedMs = Math.Round(elapsed, 1);
                LogRequest(logger, context.Request.Method, path, loggedAction, status, elapsedMs, resellerId, admin);
            }
        }
    }

    /// <summary>
    /// Client text in a log line, with control characters written as \uXXXX: a decoded "%0D%0A" in a path would
    /// otherwise start a forged line in the console log.
    /// </summary>
    public static string ForLog(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }
        var escaped = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }
        return escaped.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "HTTP {Method} {Path} action={Action} responded {StatusCode} in {ElapsedMs} ms reseller={ResellerId} admin={Admin}")]
    private static partial void LogRequest(ILogger logger, string method, string path, string? action, int statusCode, double elapsedMs,
        int? resellerId, string? admin);
}
