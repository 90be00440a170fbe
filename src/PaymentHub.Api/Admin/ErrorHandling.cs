using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Admin;

/// <summary>
/// The last line of defence: nothing unhandled ever shows a stack trace. The reseller API answers nurr's
/// <c>{"error":"Transaction failed"}</c>; the admin API a ProblemDetails.
/// </summary>
public static partial class ErrorHandling
{
    public static void UsePaymentHubErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler(errorApp => errorApp.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Errors");
            var (status, title) = error switch
            {
                BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
                _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred."),
            };
            if (status >= 500)
            {
                LogUnhandled(logger, error, context.Request.Method, context.Request.Path.Value ?? "/");
            }
            await AuditFailedAdminCallAsync(context, status, context.Features.Get<IExceptionHandlerFeature>()?.Endpoint, logger);
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                // Each seed spells its 500 row its own way: "Transaction failed" (bills), "Transaction failed." (recharge).
                var failed = context.Request.Path.StartsWithSegments("/api/bill-payment.php") ? "Transaction failed" : "Transaction failed.";
                await ResellerResults.WriteErrorAsync(context, status, status >= 500 ? failed : title);
                return;
            }
            context.Response.StatusCode = status;
            var detail = error is BadHttpRequestException ? error.Message : null;
            await Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
        }));
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                await ResellerResults.WriteErrorAsync(context, context.Response.StatusCode,
                    context.Response.StatusCode == 404 ? "Not found." : "Request failed.");
                return;
            }
            await Results.Problem(statusCode: context.Response.StatusCode).ExecuteAsync(context);
        });
    }

    /// <summary>An admin call that threw, or whose body could not be read, is audited with the status it is answered with.</summary>
    private static async Task AuditFailedAdminCallAsync(HttpContext context, int status, Endpoint? endpoint, ILogger logger)
    {
        if (!AdminAudit.IsPending(context))
        {
            return;
        }
        var services = context.RequestServices;
        try
        {
            await AdminAudit.WriteAsync(context, services.GetRequiredService<PaymentHubDbContext>(), services.GetRequiredService<TimeProvider>(), status, endpoint);
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
        {
            // The failure may be the database itself: the caller still gets its answer, and the log says what is missing.
            LogAuditFailed(logger, ex, context.Request.Method, context.Request.Path.Value ?? "/", status);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry for {Method} {Path} ({StatusCode}) could not be written")]
    private static partial void LogAuditFailed(ILogger logger, Exception ex, string method, string path, int statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? ex, string method, string path);
}
