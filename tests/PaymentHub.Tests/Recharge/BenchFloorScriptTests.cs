using System.Text.RegularExpressions;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Webhooks;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// The benchmark's recharge floor (bench/pgbench/two-commits.sql) settles with a copy of <see cref="RechargeSuccessStatement"/>'s
/// SQL, because pgbench needs the text. A change to the gateway's statement that the copy does not follow would leave the
/// floor measuring other work than the recharge it is the floor of; this fails then.
/// </summary>
public sealed class BenchFloorScriptTests
{
    [Fact]
    public void The_floor_settles_with_the_gateways_success_statement()
    {
        var script = File.ReadAllText(Repository.PathOf("bench", "pgbench", "two-commits.sql"));
        var settlement = script[script.IndexOf("WITH target AS (", StringComparison.Ordinal)..];

        Assert.Equal(Normalised(AsTheScriptBindsIt(RechargeSuccessStatement.Sql) + ";"), Normalised(settlement));
    }

    /// <summary>The statement with the values the gateway binds written as the script's literals and pgbench variables.</summary>
    private static string AsTheScriptBindsIt(string sql)
    {
        var openStages = string.Join(",", RechargeStages.Machine.MovingTo(RechargeStage.Done));
        return sql
            .Replace("@operator_transaction_id", "'SBX-' || :o_id", StringComparison.Ordinal)
            .Replace("@open_stages", $"'{{{openStages}}}'", StringComparison.Ordinal)
            .Replace("@processing", $"'{RechargeStatus.Processing}'", StringComparison.Ordinal)
            .Replace("@enabled", $"'{WebhookEndpointStatus.Enabled}'", StringComparison.Ordinal)
            .Replace("@success", $"'{RechargeStatus.Success}'", StringComparison.Ordinal)
            .Replace("@done", $"'{RechargeStage.Done}'", StringComparison.Ordinal)
            .Replace("@now", "now()", StringComparison.Ordinal)
            .Replace("@id", ":o_id", StringComparison.Ordinal)
            // pgbench would take :true for a variable; the script splits the literal there, with the same text.
            .Replace("\":true", "\":' || 'true", StringComparison.Ordinal);
    }

    private static string Normalised(string sql) => Regex.Replace(sql.Trim(), @"\s+", " ");
}
