using PaymentHub.Fulfilment;

namespace PaymentHub.Tests.Bills;

/// <summary>
/// The bill stage table (BillStages.Machine) against the moves the fulfilment design allows, written out here on their
/// own: every move not listed is refused by the guard, one case per move.
/// </summary>
public sealed class BillStageTransitionTests
{
    private static readonly Dictionary<BillStage, BillStage[]> Allowed = new()
    {
        [BillStage.New] = [BillStage.New, BillStage.SandboxWait, BillStage.Paying, BillStage.Submitting, BillStage.Settling, BillStage.Done],
        [BillStage.SandboxWait] = [BillStage.SandboxWait, BillStage.Settling, BillStage.Done],
        [BillStage.Paying] = [BillStage.Paying, BillStage.Checking, BillStage.Settling, BillStage.Done],
        [BillStage.Checking] = [BillStage.Checking, BillStage.Settling, BillStage.Done],
        [BillStage.Submitting] = [BillStage.Submitting, BillStage.Submitted, BillStage.New, BillStage.Settling, BillStage.Done],
        [BillStage.Submitted] = [BillStage.Submitted, BillStage.Settling, BillStage.Done],
        [BillStage.Settling] = [BillStage.Settling, BillStage.Done],
        [BillStage.Done] = [],
    };

    public static TheoryData<BillStage, BillStage> IllegalMoves() => Moves(legal: false);

    public static TheoryData<BillStage, BillStage> LegalMoves() => Moves(legal: true);

    private static TheoryData<BillStage, BillStage> Moves(bool legal)
    {
        var data = new TheoryData<BillStage, BillStage>();
        foreach (var from in Enum.GetValues<BillStage>())
        {
            foreach (var to in Enum.GetValues<BillStage>().Where(to => Allowed[from].Contains(to) == legal))
            {
                data.Add(from, to);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void An_illegal_move_is_refused_by_the_guard(BillStage from, BillStage to)
    {
        Assert.False(BillStages.Machine.CanMove(from, to));
        var refused = Assert.Throws<IllegalStageTransitionException>(() => BillStages.Machine.Move(from, to));
        Assert.Equal((from.ToString(), to.ToString()), (refused.From, refused.To));
        Assert.DoesNotContain(from, BillStages.Machine.MovingTo(to));
    }

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void A_legal_move_passes_the_guard(BillStage from, BillStage to)
    {
        Assert.Equal(to, BillStages.Machine.Move(from, to));
        Assert.Contains(from, BillStages.Machine.MovingTo(to));
    }

    [Fact]
    public void Orders_start_New_Done_is_the_only_final_stage_and_every_other_stage_may_be_settled()
    {
        Assert.Equal([BillStage.New], BillStages.Machine.Initial);
        Assert.Equal([BillStage.Done], Enum.GetValues<BillStage>().Where(BillStages.Machine.IsFinal));
        Assert.Equal(Enum.GetValues<BillStage>().Except([BillStage.Done]), BillStages.Machine.MovingTo(BillStage.Done));
    }

    [Fact]
    public void The_admin_api_shows_stages_as_it_always_has()
    {
        Assert.Equal(["new", "sandbox_wait", "paying", "checking", "submitting", "submitted", "settling", "done"],
            Enum.GetValues<BillStage>().Select(BillStages.Machine.DisplayName));
    }
}
