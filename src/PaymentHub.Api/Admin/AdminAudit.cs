using System.Globalization;
using System.Security.Claims;
using PaymentHub.Data;

namespace PaymentHub.Admin;

/// <summary>
/// The audit entry of a state-changing admin call: who (admin key), what (route, target, request body), when, and the
/// status the caller got. Written by <see cref="AuditFilter"/> for every answered call (validation refusals included)
/// and by the error handling for a call that failed with an exception or an unreadable body, once per request.
/// </summary>
public static class AdminAudit
{
    private const string AuditedItem = "PaymentHub.Admin.Audited";
    private const string DetailsItem = "PaymentHub.Admin.AuditDetails";

    /// <summary>An authenticated admin call that may change state and has no entry yet.</summary>
    public static bool IsPending(HttpContext http)
    {
        var method = http.Request.Method;
        return !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
               && http.Request.Path.StartsWithSegments("/admin/v1")
               && http.User.Identity?.IsAuthenticated == true
               && !http.Items.ContainsKey(AuditedItem);
    }

    /// <summary>Keeps the request's details for the entry, should the call end in an exception.</summary>
    public static void RememberDetails(HttpContext http, string? details) => http.Items[DetailsItem] = details;

    /// <param name="endpoint">The endpoint that was called; the error handling passes it because the context no longer holds it.</param>
    public static async Task WriteAsync(HttpContext http, PaymentHubDbContext db, TimeProvider clock, int statusCode, Endpoint? endpoint = null)
    {
        var route = ((endpoint ?? http.GetEndpoint()) as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value;
        http.Items[AuditedItem] = true;
        var idText = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        // Whatever the handler left tracked (a failed insert, say) must not be saved with the entry.
        db.ChangeTracker.Clear();
        db.AuditLog.Add(new AuditLogEntry
        {
            AdminKeyId = int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null,
            Actor = Truncate(http.User.Identity?.Name, 100) ?? "unknown",
            Action = Truncate($"{http.Request.Method} {route}", 200)!,
            Target = Truncate(http.Request.Path.Value, 200),
            Details = Truncate(http.Items.TryGetValue(DetailsItem, out var details) ? details as string : null, 4000),
            StatusCode = statusCode,
            RemoteIp = http.Connection.RemoteIpAddress?.ToString(),
            At = clock.GetUtcNow().UtcDateTime,
        });
        // Not the request's token: a change that was made is audited even if the caller has gone.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
