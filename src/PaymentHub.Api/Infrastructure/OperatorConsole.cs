namespace PaymentHub.Infrastructure;

/// <summary>
/// Where a secret meant for the operator (the first admin key, the demo reseller's credentials) is shown, once, at
/// start-up: standard output, never a logger, so it never reaches a log sink. A host may register its own instance
/// (the tests capture what is shown); otherwise it is the process console.
/// </summary>
public sealed class OperatorConsole(TextWriter writer)
{
    private const string Rule = "==================================================================";

    public static OperatorConsole From(IServiceProvider services) => services.GetService<OperatorConsole>() ?? new OperatorConsole(Console.Out);

    /// <summary>Writes the lines as one framed block.</summary>
    public void Show(params string[] lines)
    {
        writer.WriteLine();
        writer.WriteLine(Rule);
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
        writer.WriteLine(Rule);
        writer.WriteLine();
        writer.Flush();
    }
}
