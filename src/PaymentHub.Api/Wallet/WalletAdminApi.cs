using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Wallet;

public sealed record WalletMovementRequest(decimal Amount, string? Note);
public sealed record WalletReply(int ResellerId, decimal Balance, long JournalId);
public sealed record WalletEntryReply(long JournalId, string Kind, string Reference, decimal Amount, string? Description, DateTime CreatedAt);

public sealed class WalletMovementRequestValidator : AbstractValidator<WalletMovementRequest>
{
    public WalletMovementRequestValidator()
    {
        RuleFor(r => r.Amount).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling)
            .Must(Money.HasAtMostTwoDecimals).WithMessage("Amount has at most two decimal places.");
        RuleFor(r => r.Note).MaximumLength(300).NoControlCharacters();
    }
}

public static class WalletAdminApi
{
    public static RouteGroupBuilder MapWalletAdminApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/resellers/{id:int}/wallet").WithTags("Wallets");
        group.MapPost("/credits", CreditAsync).WithDescription("Adds money to the wallet (e.g. a bank deposit the operator received).");
        group.MapPost("/debits", DebitAsync).WithDescription("Takes money from the wallet; never below zero.");
        group.MapGet("/entries", EntriesAsync);
        admin.MapWalletStatementAdminApi();
        return group;
    }

    public static Task<Results<Ok<WalletReply>, ProblemHttpResult>> CreditAsync(
        int id, WalletMovementRequest request, PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, CancellationToken ct) =>
        MoveAsync(id, request, JournalKind.OperatorCredit, request.Amount, db, ledger, house, ct);

    public static Task<Results<Ok<WalletReply>, ProblemHttpResult>> DebitAsync(
        int id, WalletMovementRequest request, PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, CancellationToken ct) =>
        MoveAsync(id, request, JournalKind.OperatorDebit, -request.Amount, db, ledger, house, ct);

    public static async Task<Results<Ok<List<WalletEntryReply>>, ProblemHttpResult>> EntriesAsync(
        int id, PaymentHubDbContext db, CancellationToken ct, int limit = 100)
    {
        var walletId = await db.Resellers.Where(r => r.Id == id).Select(r => (long?)r.WalletAccountId).FirstOrDefaultAsync(ct);
        if (walletId is null)
        {
            return ResellerAdminApi.NotFound(id);
        }
        var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.AccountId == walletId)
            .OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 1000))
            .Join(db.LedgerJournals, e => e.JournalId, j => j.Id,
                (e, j) => new { e.JournalId, j.Kind, j.Reference, e.Amount, j.Description, e.CreatedAt })
            .ToListAsync(ct);
        return TypedResults.Ok(entries.Select(e => new WalletEntryReply(e.JournalId, e.Kind.ToString(), e.Reference, e.Amount, e.Description, e.CreatedAt)).ToList());
    }

    private static async Task<Results<Ok<WalletReply>, ProblemHttpResult>> MoveAsync(
        int id, WalletMovementRequest request, JournalKind kind, decimal walletDelta,
        PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, CancellationToken ct)
    {
        var walletId = await db.Resellers.Where(r => r.Id == id).Select(r => (long?)r.WalletAccountId).FirstOrDefaultAsync(ct);
        if (walletId is null)
        {
            return ResellerAdminApi.NotFound(id);
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        LedgerJournal journal;
        try
        {
            journal = await ledger.PostAsync(kind, $"{kind}:{Guid.NewGuid():N}", request.Note,
                [new Posting(walletId.Value, walletDelta), new Posting(house[LedgerAccountKind.OperatorFunding], -walletDelta)], ct);
        }
        catch (InsufficientFundsException)
        {
            return TypedResults.Problem(statusCode: 422, title: "Insufficient balance",
                detail: "The wallet balance is lower than the debit; a wallet never goes below zero.");
        }
        await db.SaveChangesAsync(ct);
        var balance = await db.LedgerAccounts.Where(a => a.Id == walletId).Select(a => a.Balance).SingleAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new WalletReply(id, balance, journal.Id));
    }
}
