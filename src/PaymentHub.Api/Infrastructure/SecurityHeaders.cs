namespace PaymentHub.Infrastructure;

/// <summary>
/// Headers on every response the application writes (APIs, Swagger, health, payment pages, errors and 404s):
/// no MIME sniffing, no framing, no referrer. Set just before the headers go out, so that a response the error
/// handling cleared and rewrote carries them too; a header a page set itself (the payment pages' CSP) is kept.
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                if (!headers.ContainsKey("Referrer-Policy"))
                {
                    headers["Referrer-Policy"] = "no-referrer";
                }
                return Task.CompletedTask;
            });
            await next(context);
        });
}
