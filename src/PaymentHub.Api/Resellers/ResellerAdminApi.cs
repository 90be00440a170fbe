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
public sealed record ApiKeyCreatedReply(int Id, string ApiKey, string ApiSecret, DateTime CreatedAt);
public sealed record ApiKeyReply(int Id, string ApiKey, DateTime CreatedAt, DateTime? RevokedAt);

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
        group.MapPost("/{id:int}/api-keys", CreateApiKeyAsync)
            .WithDescription("Creates an api_key / api_secret pair. The secret is shown in this reply only.");
        group.MapGet("/{id:int}/api-keys", ListApiKeysAsync);
        group.MapDelete("/{id:int}/api-keys/{keyId:int}", RevokeApiKeyAsync);
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
        int id, UpdateResellerRequest request, PaymentHubDbContext db, CancellationToken ct)
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
        return TypedResults.Ok(ToReply(reseller, reseller.WalletAccount!.Balance));
    }

    public static async Task<Results<Created<ApiKeyCreatedReply>, ProblemHttpResult>> CreateApiKeyAsync(
        int id, PaymentHubDbContext db, CredentialHasher hasher, TimeProvider clock, CancellationToken ct)
    {
        if (!await db.Resellers.AnyAsync(r => r.Id == id, ct))
        {
            return NotFound(id);
        }
        var apiKey = CredentialHasher.NewApiKey();
        var apiSecret = CredentialHasher.NewApiSecret();
        var credential = new ApiCredential
        {
            ResellerId = id,
            ApiKey = apiKey,
            SecretHash = hasher.Hash(apiSecret),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiCredentials.Add(credential);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/v1/resellers/{id}/api-keys/{credential.Id}",
            new ApiKeyCreatedReply(credential.Id, apiKey, apiSecret, credential.CreatedAt));
    }

    public static async Task<Ok<List<ApiKeyReply>>> ListApiKeysAsync(int id, PaymentHubDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.ApiCredentials.AsNoTracking().Where(c => c.ResellerId == id).OrderBy(c => c.Id)
            .Select(c => new ApiKeyReply(c.Id, c.ApiKey, c.CreatedAt, c.RevokedAt)).ToListAsync(ct));

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(
        int id, int keyId, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var revoked = await db.ApiCredentials.Where(c => c.Id == keyId && c.ResellerId == id && c.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RevokedAt, now), ct);
        return revoked == 1
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "API key not found", detail: $"Reseller {id} has no active API key {keyId}.");
    }

    internal static ProblemHttpResult NotFound(int id) =>
        TypedResults.Problem(statusCode: 404, title: "Reseller not found", detail: $"There is no reseller {id}.");

    private static ResellerReply ToReply(Reseller r, decimal balance) =>
        new(r.Id, r.Name, r.Status.ToString().ToLowerInvariant(), balance, r.CreatedAt);
}
