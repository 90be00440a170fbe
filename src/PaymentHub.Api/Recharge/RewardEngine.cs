using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;

namespace PaymentHub.Recharge;

/// <summary>Points, levels and cashback for a successful recharge; runs once per recharge, inside the settlement's transaction.</summary>
public sealed class RewardEngine(PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, ActiveOfferCache activeOffers, TimeProvider clock)
{
    /// <param name="pointsPercent">The programme's <see cref="RewardSettings.PointsPercent"/> (0 without settings), read with the order.</param>
    public async Task<JsonObject> GrantAsync(RechargeOrder order, long walletAccountId, decimal pointsPercent, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var points = decimal.Round(order.Amount * pointsPercent / 100m, 2, MidpointRounding.ToZero);
        // Points first: their upsert locks the reseller's reward account until the settlement commits, which queues this
        // reseller's grants, so the cashback below counts today's grants after the one before it committed and an offer's
        // daily cap holds under concurrency (RewardsTests).
        var level = await AddPointsAsync(order.ResellerId, points, ct);

        var pointsBlock = new JsonObject
        {
            ["ok"] = true,
            ["message"] = "Points awarded successfully",
            ["points"] = JsonValue.Create(points),
            ["new_level_id"] = level?.Id,
            ["new_level_key"] = level?.Key,
        };

        var cashbackBlock = await CashbackAsync(order, walletAccountId, now, ct);
        await db.SaveChangesWithoutSavepointAsync(ct);
        return new JsonObject { ["ok"] = true, ["points"] = pointsBlock, ["cashback"] = cashbackBlock };
    }

    /// <summary>
    /// Adds points to the reseller's account, creating it on the first success, and returns the level its lifetime points
    /// reach. Two recharges of one reseller can succeed at the same moment on two instances: the insert yields to an
    /// existing row instead of failing, and the increment is made under that row's lock, which serialises the grants (a
    /// read-modify-write would lose one of them). The lock is held to the settlement's commit, so a level is never
    /// overwritten by an older one. The level is looked up with the new total spelled out, because SET sees the row as it
    /// was before the statement.
    /// </summary>
    private async Task<RewardLevel?> AddPointsAsync(int resellerId, decimal points, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            // One round trip on the hot path: the upsert, and the level it reached read in the same statement.
            await using var command = db.Database.CreateCommand(AddPointsSql, ("reseller", resellerId), ("points", points));
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            return new RewardLevel
            {
                Id = reader.GetInt32(0), Key = reader.GetString(1), Name = reader.GetString(2), MinLifetimePoints = reader.GetDecimal(3),
            };
        }
        // SQLite keeps decimals as text, and only EF's own translation adds and compares them exactly.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO reseller_reward_accounts (reseller_id, points, lifetime_points, level_id)
            VALUES ({resellerId}, {0m}, {0m}, NULL)
            ON CONFLICT (reseller_id) DO NOTHING
            """, ct);
        await db.ResellerRewardAccounts.Where(a => a.ResellerId == resellerId).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Points, a => a.Points + points)
            .SetProperty(a => a.LifetimePoints, a => a.LifetimePoints + points)
            .SetProperty(a => a.LevelId, a => db.RewardLevels.Where(l => l.MinLifetimePoints <= a.LifetimePoints + points)
                .OrderByDescending(l => l.MinLifetimePoints).Select(l => (int?)l.Id).FirstOrDefault()), ct);
        return await db.RewardLevels.AsNoTracking()
            .FirstOrDefaultAsync(l => db.ResellerRewardAccounts.Any(a => a.ResellerId == resellerId && a.LevelId == l.Id), ct);
    }

    private const string AddPointsSql = $"""
        WITH granted AS (
            INSERT INTO reseller_reward_accounts AS a (reseller_id, points, lifetime_points, level_id)
            VALUES (@reseller, @points, @points, (
                SELECT l.id FROM reward_levels AS l WHERE l.min_lifetime_points <= @points
                ORDER BY l.min_lifetime_points DESC LIMIT 1))
            {AddPointsOnConflict})
        SELECT l.id, l.key, l.name, l.min_lifetime_points FROM reward_levels AS l JOIN granted AS g ON l.id = g.level_id
        """;

    /// <summary>
    /// The points upsert's conflict clause (<c>reseller_reward_accounts AS a</c>), shared with
    /// <see cref="RechargeSuccessStatement"/>: an existing account is incremented under its row lock, and its level is
    /// the one its new lifetime total reaches.
    /// </summary>
    internal const string AddPointsOnConflict = """
        ON CONFLICT (reseller_id) DO UPDATE SET
                points = a.points + excluded.points,
                lifetime_points = a.lifetime_points + excluded.lifetime_points,
                level_id = (
                    SELECT l.id FROM reward_levels AS l WHERE l.min_lifetime_points <= a.lifetime_points + excluded.lifetime_points
                    ORDER BY l.min_lifetime_points DESC LIMIT 1)
            RETURNING a.level_id
        """;

    private sealed record OfferUse(CashbackOffer Offer, int UsedToday);

    // Compiled once per model: a recharge that an offer may apply to reads those offers again, with the reseller's grants today.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, int[], DateTime, int, IAsyncEnumerable<OfferUse>>> OffersQuery =
        new(() => EF.CompileAsyncQuery((PaymentHubDbContext db, int[] offerIds, DateTime dayStart, int resellerId) =>
            db.CashbackOffers.AsNoTracking()
                .Where(o => offerIds.Contains(o.Id))
                .Select(o => new OfferUse(o,
                    db.CashbackGrants.Count(g => g.OfferId == o.Id && g.ResellerId == resellerId && g.GrantedAt >= dayStart)))));

    /// <summary>Whether an active offer may pay cashback on <paramref name="order"/> at <paramref name="now"/> (the cached list, as <see cref="GrantAsync"/> reads it first).</summary>
    public async Task<bool> MayPayCashbackAsync(RechargeOrder order, DateTime now, CancellationToken ct) =>
        (await CandidateOffersAsync(order, now, ct)).Length > 0;

    private async Task<int[]> CandidateOffersAsync(RechargeOrder order, DateTime now, CancellationToken ct) =>
        (await activeOffers.GetAsync(db, ct)).Where(o => o.AppliesTo(now, order.Amount, order.OperatorCode)).Select(o => o.Id).ToArray();

    private async Task<JsonObject> CashbackAsync(RechargeOrder order, long walletAccountId, DateTime now, CancellationToken ct)
    {
        var candidates = await CandidateOffersAsync(order, now, ct);
        if (candidates.Length == 0)
        {
            return NoEligibleOffer();
        }
        // Read again, as they stand now, before one pays: the list above may be seconds old.
        var offers = await OffersQuery.For(db)(db, candidates, now.Date, order.ResellerId).ToListAsync(ct);
        var best = offers.Where(o => o.Offer.AppliesTo(now, order.Amount, order.OperatorCode) && o.UsedToday < o.Offer.MaxPerResellerPerDay)
            .Select(o => (o.Offer, Amount: o.Offer.CashbackFor(order.Amount)))
            .Where(o => o.Amount > 0m)
            .OrderByDescending(o => o.Amount).ThenBy(o => o.Offer.Id)
            .FirstOrDefault();
        if (best.Offer is null)
        {
            return NoEligibleOffer();
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

    private static JsonObject NoEligibleOffer() => new() { ["ok"] = true, ["message"] = "No eligible active offer found" };
}
