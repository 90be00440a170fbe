using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Admin;

public sealed record CreateAdminKeyRequest(string Name);
public sealed record AdminKeyCreatedReply(int Id, string Name, string Key);
public sealed record AdminKeyReply(int Id, string Name, string KeyPrefix, DateTime CreatedAt, DateTime? RevokedAt);
public sealed record AuditLogReply(long Id, string Actor, string Action, string? Target, string? Details, int StatusCode, DateTime At);

public sealed class CreateAdminKeyRequestValidator : AbstractValidator<CreateAdminKeyRequest>
{
    public CreateAdminKeyRequestValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters();
}

public static class AdminKeysApi
{
    public static RouteGroupBuilder MapAdminKeysApi(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/admin-keys").WithTags("Admin keys and audit");
        keys.MapPost("/", CreateAsync).WithDescription("Creates an admin key; it is shown in this reply only.");
        keys.MapGet("/", ListAsync);
        keys.MapDelete("/{id:int}", RevokeAsync);
        admin.MapGet("/audit-log", AuditLogAsync).WithTags("Admin keys and audit");
        return admin;
    }

    public static async Task<Created<AdminKeyCreatedReply>> CreateAsync(
        CreateAdminKeyRequest request, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var key = AdminKeyAuthenticationHandler.NewKey();
        var entity = new AdminKey
        {
            Name = request.Name.Trim(),
            KeyHash = AdminKeyAuthenticationHandler.HashKey(key),
            KeyPrefix = key[..10],
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.AdminKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/v1/admin-keys/{entity.Id}", new AdminKeyCreatedReply(entity.Id, entity.Name, key));
    }

    public static async Task<Ok<List<AdminKeyReply>>> ListAsync(PaymentHubDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.AdminKeys.AsNoTracking().OrderBy(k => k.Id)
            .Select(k => new AdminKeyReply(k.Id, k.Name, k.KeyPrefix, k.CreatedAt, k.RevokedAt)).ToListAsync(ct));

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(int id, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var revoked = await db.AdminKeys.Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        return revoked == 1 ? TypedResults.NoContent() : TypedResults.Problem(statusCode: 404, title: "Admin key not found");
    }

    public static async Task<Ok<List<AuditLogReply>>> AuditLogAsync(PaymentHubDbContext db, CancellationToken ct, int limit = 100) =>
        TypedResults.Ok(await db.AuditLog.AsNoTracking().OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 1000))
            .Select(a => new AuditLogReply(a.Id, a.Actor, a.Action, a.Target, a.Details, a.StatusCode, a.At)).ToListAsync(ct));
}
