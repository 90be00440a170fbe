using PaymentHub.Recharge;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// The recharge stage table (RechargeStages.Machine) against the moves the design allows, written out here on their
/// own: every move not listed is refused by the guard, one case per move.
/// </summary>
public sealed class RechargeStageTransitionTests
{
    private static readonly Dictionary<RechargeStage, RechargeStage[]> Allowed = new()
    {
        [RechargeStage.Manual] = [RechargeStage.Done],
        [RechargeStage.Sending] = [RechargeStage.Unknown, RechargeStage.Done],
        [RechargeStage.Unknown] = [RechargeStage.Done],
        [RechargeStage.Done] = [],
    };

    public static TheoryData<RechargeStage, RechargeStage> IllegalMoves() => Moves(legal: false);

    public static TheoryData<RechargeStage, RechargeStage> LegalMoves() => Moves(legal: true);

    private static TheoryData<RechargeStage, RechargeStage> Moves(bool legal)
    {
        var data = new TheoryData<RechargeStage, RechargeStage>();
        foreach (var from in Enum.GetValues<RechargeStage>())
        {
            foreach (var to in Enum.GetValues<RechargeStage>().Where(to => Allowed[from].Contains(to) == legal))
            {
                data.Add(from, to);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void An_illegal_move_is_refused_by_the_guard(RechargeStage from, RechargeStage to)
    {
        Assert.False(RechargeStages.Machine.CanMove(from, to));
        var refused = Assert.Throws<Fulfilment.IllegalStageTransitionException>(() => RechargeStages.Machine.Move(from, to));
        Assert.Equal((from.ToString(), to.ToString()), (refused.From, refused.To));
        Assert.DoesNotContain(from, RechargeStages.Machine.MovingTo(to));
    }

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void A_legal_move_passes_the_guard(RechargeStage from, RechargeStage to)
    {
        Assert.Equal(to, RechargeStages.Machine.Move(from, to));
        Assert.Contains(from, RechargeStages.Machine.MovingTo(to));
    }

    [Fact]
    public void Recharges_start_Manual_or_Sending_and_Done_is_the_only_final_stage()
    {
        Assert.Equal([RechargeStage.Manual, RechargeStage.Sending], RechargeStages.Machine.Initial.Order());
        Assert.Equal([RechargeStage.Done], Enum.GetValues<RechargeStage>().Where(RechargeStages.Machine.IsFinal));
        Assert.Equal(["manual", "sending", "unknown", "done"], Enum.GetValues<RechargeStage>().Select(RechargeStages.Machine.DisplayName));
    }
}
