using System.Data.Common;
using PaymentHub.Data;
using PaymentHub.Webhooks;

namespace PaymentHub.Recharge;

/// <summary>
/// The request thread's success settlement of the common recharge as one PostgreSQL statement, a transaction of its own:
/// it locks the order and tests that it is still open to the request thread, adds the reseller's points, and writes the
/// outcome with the reward block, what <see cref="RechargeSettlement"/> does in four round trips (lock, points, outcome,
/// commit). Why: in a profile of the sandbox recharge step (bench/README.md) sending and receiving on the database's
/// sockets was about a third of the gateway's CPU, and the settlement was four of a recharge's five round trips.
/// It settles only a recharge that needs nothing else: no cashback offer may apply (the caller asks
/// <see cref="RewardEngine.MayPayCashbackAsync"/>) and the reseller has no enabled webhook endpoint (tested under the lock:
/// such an order is left as it was, for the full settlement, which writes the callback event). The reward block is the
/// one <see cref="RewardEngine.GrantAsync"/> writes for the same points and level, byte for byte (RechargeSuccessStatementTests).
/// </summary>
public static class RechargeSuccessStatement
{
    /// <summary>What the statement did.</summary>
    public enum Outcome
    {
        /// <summary>Settled as Success, with its reward block.</summary>
        Settled,

        /// <summary>Not open to the request thread (already final, or under a reconciler's lease): nothing was written.</summary>
        NotOpen,

        /// <summary>Open, but its reseller has an enabled endpoint: nothing was written; the full settlement must run.</summary>
        NeedsCallback,
    }

    /// <summary>Runs the statement on the held connection, outside any transaction; the reward block when settled.</summary>
    public static async Task<(Outcome Outcome, string? RewardResult)> RunAsync(
        PaymentHubDbContext db, long orderId, string operatorTransactionId, DateTime now, CancellationToken ct)
    {
        await using var command = db.Database.CreateCommandAlone(Sql,
            ("id", orderId), ("processing", ProcessingName), ("open_stages", OpenStages), ("now", now),
            ("enabled", EnabledName), ("success", SuccessName), ("done", DoneName),
            ("operator_transaction_id", operatorTransactionId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return (Outcome.NotOpen, null);
        }
        return reader.GetBoolean(0) ? (Outcome.NeedsCallback, null) : (Outcome.Settled, Read(reader));
    }

    private static string Read(DbDataReader reader) => reader.IsDBNull(1)
        ? throw new InvalidOperationException("The success statement settled no row for an open order without endpoints.")
        : reader.GetString(1);

    private static readonly string ProcessingName = RechargeStatus.Processing.ToString();
    private static readonly string SuccessName = RechargeStatus.Success.ToString();
    private static readonly string DoneName = RechargeStage.Done.ToString();
    private static readonly string EnabledName = WebhookEndpointStatus.Enabled.ToString();

    /// <summary>The stages a recharge may be settled from, as <see cref="RechargeSettlement"/> reads them.</summary>
    private static readonly string[] OpenStages = [.. RechargeStages.Machine.MovingTo(RechargeStage.Done).Select(s => s.ToString())];

    // The open test is RechargeSettlement's (status, stage, and Leases' rule for a caller without a lease); the points
    // are RewardEngine's (the programme's percent of the amount, rounded toward zero to two places) and so is the upsert,
    // whose conflict clause is RewardEngine's own. The target's FOR UPDATE waits for a concurrent settler's commit and tests
    // the row again as that left it, so an order settled meanwhile yields no row and nothing is written. The outcome's
    // columns are those of RechargeSettlement.Close and the success; the reward block is RewardEngine's with no offer.
    // Internal for BenchFloorScriptTests: bench/pgbench/two-commits.sql sends this statement as the recharge's floor.
    internal const string Sql = $$$"""
        WITH target AS (
            SELECT r.id, r.reseller_id,
                trunc(r.amount * coalesce((SELECT s.points_percent FROM reward_settings AS s WHERE s.id = 1), 0) / 100, 2) AS points,
                EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.reseller_id = r.reseller_id AND e.status = @enabled) AS has_endpoints
            FROM recharge_orders AS r
            WHERE r.id = @id AND r.status = @processing AND r.stage = ANY (@open_stages)
                AND (r.lease_expires_at IS NULL OR r.lease_expires_at < @now)
            FOR UPDATE OF r),
        open AS (
            SELECT target.id, target.reseller_id, target.points FROM target WHERE NOT target.has_endpoints),
        granted AS (
            INSERT INTO reseller_reward_accounts AS a (reseller_id, points, lifetime_points, level_id)
            SELECT open.reseller_id, open.points, open.points, (
                SELECT l.id FROM reward_levels AS l WHERE l.min_lifetime_points <= open.points
                ORDER BY l.min_lifetime_points DESC LIMIT 1)
            FROM open
            {{{RewardEngine.AddPointsOnConflict}}}),
        settled AS (
            UPDATE recharge_orders AS o SET status = @success, stage = @done, operator_transaction_id = @operator_transaction_id,
                reward_result = '{"ok":true,"points":{"ok":true,"message":"Points awarded successfully","points":'
                    || open.points::text || ',"new_level_id":' || coalesce(reached.id::text, 'null')
                    || ',"new_level_key":' || coalesce(to_json(reached.key)::text, 'null')
                    || '},"cashback":{"ok":true,"message":"No eligible active offer found"}}',
                next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, completed_at = @now, updated_at = @now
            FROM open CROSS JOIN granted LEFT JOIN reward_levels AS reached ON reached.id = granted.level_id
            WHERE o.id = open.id
            RETURNING o.reward_result)
        SELECT target.has_endpoints, settled.reward_result FROM target LEFT JOIN settled ON true
        """;
}
