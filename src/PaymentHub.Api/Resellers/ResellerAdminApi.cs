using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;

namespace PaymentHub.Resellers;

public sealed record CreateResellerRequest(string Name);
public sealed record UpdateResellerRequest(string? Name, string? Status);
public sealed record ResellerReply(int Id, string Name, string Status, decimal Balance, DateTime CreatedAt);

public sealed class CreateResellerRequestValidator : AbstractValidator<CreateResellerRequest>
{
    public CreateResellerRequestValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(200).NoControlCharacters();
}

public sealed class UpdateResellerRequestValidator : AbstractValidator<UpdateResellerRequest>
{
    public UpdateResellerRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).NoControlCharacters().When(r => r.Name is not null);
        RuleFor(r => r.Status).Must(EnumNames.IsName<ResellerStatus>)
            .When(r => r.Status is not null).WithMessage("Status must be 'active' or 'suspended'.");
    }
}

public static class ResellerAdminApi
{
    public static RouteGroupBuilder MapResellerAdminApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/resellers").WithTags("Resellers");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:int}", GetAsync);
        group.MapPatch("/{id:int}", UpdateAsync);
        group.MapApiKeyAdminApi();
        return group;
    }

    public static async Task<Created<ResellerReply>> CreateAsync(
        CreateResellerRequest request, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var wallet = new LedgerAccount { Code = $"wallet:{Guid.NewGuid():N}", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = now };
        var reseller = new Reseller { Name = request.Name.Trim(), Status = ResellerStatus.Active, WalletAccount = wallet, CreatedAt = now };
        db.Resellers.Add(reseller);
        await db.SaveChangesAsync(ct);
        wallet.ResellerId = reseller.Id;
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/v1/resellers/{reseller.Id}", ToReply(reseller, 0m));
    }

    public static async Task<Ok<List<ResellerReply>>> ListAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var rows = await db.Resellers.AsNoTracking().OrderBy(r => r.Id)
            .Select(r => new { Reseller = r, r.WalletAccount!.Balance })
            .ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => ToReply(r.Reseller, r.Balance)).ToList());
    }

    public static async Task<Results<Ok<ResellerReply>, ProblemHttpResult>> GetAsync(int id, PaymentHubDbContext db, CancellationToken ct)
    {
        var row = await db.Resellers.AsNoTracking().Where(r => r.Id == id)
            .Select(r => new { Reseller = r, r.WalletAccount!.Balance })
            .FirstOrDefaultAsync(ct);
        return row is null ? NotFound(id) : TypedResults.Ok(ToReply(row.Reseller, row.Balance));
    }

    public static async Task<Results<Ok<ResellerReply>, ProblemHttpResult>> UpdateAsync(
        int id, UpdateResellerRequest request, PaymentHubDbContext db, CredentialCache credentials, CancellationToken ct)
    {
        var reseller = await db.Resellers.Include(r => r.WalletAccount).FirstOrDefaultAsync(r => r.Id == id, ct);
        if (reseller is null)
        {
            return NotFound(id);
        }
        if (request.Name is not null)
        {
            reseller.Name = request.Name.Trim();
        }
        if (EnumNames.TryParse<ResellerStatus>(request.Status, out var status))
        {
            reseller.Status = status;
        }
        await db.SaveChangesAsync(ct);
        credentials.InvalidateReseller(id);
        return TypedResults.Ok(ToReply(reseller, reseller.WalletAccount!.Balance));
    }

    internal static ProblemHttpResult NotFound(int id) =>
        TypedResults.Problem(statusCode: 404, title: "Reseller not found", detail: $"There is no reseller {id}.");

    private static ResellerReply ToReply(Reseller r, decimal balance) =>
        new(r.Id, r.Name, r.Status.ToString().ToLowerInvariant(), balance, r.CreatedAt);
}
