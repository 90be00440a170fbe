using FluentValidation;

namespace PaymentHub.Infrastructure;

/// <summary>
/// Validates every endpoint argument that has a FluentValidation validator registered, and refuses route and query values
/// with control characters (a NUL would otherwise reach the database in a lookup); 400 ProblemDetails on failure.
/// </summary>
public sealed class ValidationFilter : IEndpointFilter
{
    private static readonly string[] ControlCharacterProblem = ["Must not contain control characters."];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var urlProblems = request.RouteValues.Where(r => r.Value is string text && text.Any(char.IsControl)).Select(r => r.Key)
            .Concat(request.Query.Where(q => q.Value.ToString().Any(char.IsControl)).Select(q => q.Key))
            .Distinct()
            .ToDictionary(key => key, _ => ControlCharacterProblem);
        if (urlProblems.Count > 0)
        {
            return TypedResults.ValidationProblem(urlProblems);
        }
        foreach (var argument in context.Arguments)
        {
            if (argument is null)
            {
                continue;
            }
            var validatorType = typeof(IValidator<>).MakeGenericType(argument.GetType());
            if (context.HttpContext.RequestServices.GetService(validatorType) is not IValidator validator)
            {
                continue;
            }
            var result = await validator.ValidateAsync(new ValidationContext<object>(argument), context.HttpContext.RequestAborted);
            if (!result.IsValid)
            {
                return TypedResults.ValidationProblem(result.ToDictionary());
            }
        }
        return await next(context);
    }
}
