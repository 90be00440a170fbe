namespace PaymentHub.Fulfilment;

/// <summary>
/// The allowed moves of a stage enum, declared once next to the enum (BillStages, RechargeStages), and the guard every
/// writer of the stage goes through. A stage with no move out is final.
/// </summary>
public sealed class StageMachine<TStage> where TStage : struct, Enum
{
    private readonly Dictionary<TStage, IReadOnlySet<TStage>> _moves;

    public StageMachine(IReadOnlySet<TStage> initial, IReadOnlyDictionary<TStage, TStage[]> moves)
    {
        var missing = Enum.GetValues<TStage>().Where(s => !moves.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"{typeof(TStage).Name}: no moves declared for {string.Join(", ", missing)} (declare none to make it final).");
        }
        Initial = initial;
        _moves = moves.ToDictionary(m => m.Key, m => (IReadOnlySet<TStage>)m.Value.ToHashSet());
    }

    /// <summary>The stages a new record may start in.</summary>
    public IReadOnlySet<TStage> Initial { get; }

    public bool CanMove(TStage from, TStage to) => _moves[from].Contains(to);

    public bool IsFinal(TStage stage) => _moves[stage].Count == 0;

    /// <summary><paramref name="to"/>, if the move from <paramref name="from"/> is allowed; otherwise it throws.</summary>
    public TStage Move(TStage from, TStage to) =>
        CanMove(from, to) ? to : throw new IllegalStageTransitionException(typeof(TStage).Name, from.ToString(), to.ToString());

    /// <summary>Every stage allowed to move to <paramref name="to"/>: the stage a conditional UPDATE to it must find.</summary>
    public IReadOnlyList<TStage> MovingTo(TStage to) => Enum.GetValues<TStage>().Where(from => CanMove(from, to)).ToList();

    /// <summary>The stage as the admin API shows it: snake_case (<c>SandboxWait</c> is <c>sandbox_wait</c>).</summary>
    public string DisplayName(TStage stage) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(stage.ToString());
}

public sealed class IllegalStageTransitionException(string machine, string from, string to)
    : InvalidOperationException($"{machine}: moving from {from} to {to} is not allowed.")
{
    public string From { get; } = from;
    public string To { get; } = to;
}
