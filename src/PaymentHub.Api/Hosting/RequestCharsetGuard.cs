using PaymentHub.Infrastructure;

namespace PaymentHub.Hosting;

public static class RequestCharsetGuard
{
    /// <summary>
    /// Refuses a request whose Content-Type names a charset we do not read (or cannot be parsed), in the shape of the
    /// API it was sent to, before authentication, model binding or any form reader.
    /// </summary>
    public static IApplicationBuilder UseRequestCharsetGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (RequestCharsets.Problem(context.Request.ContentType) is not { } problem)
            {
                RequestCharsets.Unquote(context.Request);
                await next(context);
                return;
            }
            await ErrorHandling.WriteErrorAsync(context, problem.Status, "Unsupported Media Type", problem.Message);
        });
}
