using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;

namespace PaymentHub.Recharge;

/// <summary>Points, levels and cashback for a successful recharge; runs once per recharge, inside the settlement's transaction.</summary>
public sealed class RewardEngine(PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, TimeProvider clock)
{
    public async Task<JsonObject> GrantAsync(RechargeOrder order, long walletAccountId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;

        var percent = await db.RewardSettings.Where(s => s.Id == 1).Select(s => (decimal?)s.PointsPercent).FirstOrDefaultAsync(ct) ?? 0m;
        var points = decimal.Round(order.Amount * percent / 100m, 2, MidpointRounding.ToZero);
        var account = await db.ResellerRewardAccounts.FirstOrDefaultAsync(a => a.ResellerId == order.ResellerId, ct);
        if (account is null)
        {
            account = new ResellerRewardAccount { ResellerId = order.ResellerId };
            db.ResellerRewardAccounts.Add(account);
        }
        account.Points += points;
        account.LifetimePoints += points;
        var lifetime = account.LifetimePoints;
        var level = await db.RewardLevels.Where(l => l.MinLifetimePoints <= lifetime)
            .OrderByDescending(l => l.MinLifetimePoints).FirstOrDefaultAsync(ct);
        account.LevelId = level?.Id;

        var pointsBlock = new JsonObject
        {
            ["ok"] = true,
            ["message"] = "Points awarded successfully",
            ["points"] = JsonValue.Create(points),
            ["new_level_id"] = level?.Id,
            ["new_level_key"] = level?.Key,
        };

        var cashbackBlock = await CashbackAsync(order, walletAccountId, now, ct);
        await db.SaveChangesAsync(ct);
        return new JsonObject { ["ok"] = true, ["points"] = pointsBlock, ["cashback"] = cashbackBlock };
    }

    private async Task<JsonObject> CashbackAsync(RechargeOrder order, long walletAccountId, DateTime now, CancellationToken ct)
    {
        var dayStart = now.Date;
        var offers = await db.CashbackOffers.AsNoTracking()
            .Where(o => o.IsActive && o.ValidFrom <= now && o.ValidUntil >= now && o.MinAmount <= order.Amount
                        && (o.OperatorCode == null || o.OperatorCode == order.OperatorCode))
            .Select(o => new
            {
                Offer = o,
                UsedToday = db.CashbackGrants.Count(g => g.OfferId == o.Id && g.ResellerId == order.ResellerId && g.GrantedAt >= dayStart),
            })
            .ToListAsync(ct);
        var best = offers.Where(o => o.UsedToday < o.Offer.MaxPerResellerPerDay)
            .Select(o => (o.Offer, Amount: o.Offer.CashbackFor(order.Amount)))
            .Where(o => o.Amount > 0m)
            .OrderByDescending(o => o.Amount).ThenBy(o => o.Offer.Id)
            .FirstOrDefault();
        if (best.Offer is null)
        {
            return new JsonObject { ["ok"] = true, ["message"] = "No eligible active offer found" };
        }

        var journal = await ledger.PostAsync(JournalKind.Cashback, order.OrderNumber, $"Cashback: {best.Offer.Name}",
            [new Posting(walletAccountId, best.Amount), new Posting(house[LedgerAccountKind.RewardExpense], -best.Amount)], ct);
        db.CashbackGrants.Add(new CashbackGrant
        {
            OfferId = best.Offer.Id,
            ResellerId = order.ResellerId,
            RechargeOrderId = order.Id,
            Amount = best.Amount,
            Journal = journal,
            GrantedAt = now,
        });
        return new JsonObject
        {
            ["ok"] = true,
            ["message"] = "Cashback credited",
            ["offer_id"] = best.Offer.Id,
            ["amount"] = Money.Format(best.Amount),
        };
    }
}
