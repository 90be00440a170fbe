using System.Text.Json.Nodes;
using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

/// <summary>nurr's recharge reply shapes, key for key, plus our order_number.</summary>
public static class RechargeReplies
{
    public static JsonObject For(RechargeOrder order, string fullName)
    {
        var reply = new JsonObject
        {
            ["success"] = order.Status != RechargeStatus.Failed,
            ["full_name"] = fullName,
            ["phone"] = order.Phone,
            ["amount"] = Money.Format(order.Amount),
            ["operator_name"] = order.OperatorName,
            ["commission_amount"] = Money.Format(order.Status == RechargeStatus.Failed ? 0m : order.Commission),
            ["before_balance"] = Money.Format(order.BeforeBalance),
            ["after_balance"] = Money.Format(order.Status == RechargeStatus.Failed ? order.BeforeBalance : order.AfterBalance),
            ["operator_transaction_id"] = order.Status == RechargeStatus.Success ? order.OperatorTransactionId : null,
            ["status"] = order.Status.ToString(),
        };
        switch (order.Status)
        {
            case RechargeStatus.Success:
                reply["reward"] = order.RewardResult is null ? new JsonObject { ["ok"] = false, ["message"] = "Reward pending." } : JsonNode.Parse(order.RewardResult);
                break;
            case RechargeStatus.Failed:
                reply["failure_reason"] = order.FailureReason;
                break;
            default:
                reply["message"] = "The operator has not confirmed this recharge yet. Check it with action=status_check; do not resend it.";
                break;
        }
        reply["order_number"] = order.OrderNumber;
        return reply;
    }
}
