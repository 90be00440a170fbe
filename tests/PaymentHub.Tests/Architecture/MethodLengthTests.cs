using PaymentHub.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PaymentHub.Tests.Architecture;

/// <summary>
/// No method, constructor, accessor, local function or lambda in src/PaymentHub.Api (generated migrations aside) is longer
/// than <see cref="MaxLines"/> lines, counted from its first line (attributes included, doc comments not) to its last:
/// a longer one is split by phase (parse, price, post in one transaction, answer).
/// </summary>
public sealed class MethodLengthTests
{
    private const int MaxLines = 60;

    [Fact]
    public void No_method_or_lambda_in_the_api_is_longer_than_60_lines()
    {
        var source = Path.Combine(Repository.Root, "src", "PaymentHub.Api");
        var skipped = new[] { Path.Combine(source, "Data", "Migrations"), Path.Combine(source, "obj"), Path.Combine(source, "bin") };
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !skipped.Any(s => f.StartsWith(s + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .ToList();
        Assert.True(files.Count > 50, $"Only {files.Count} source files found under {source}.");

        var tooLong = files
            .SelectMany(f => LongBodies(File.ReadAllText(f), Path.GetRelativePath(source, f)))
            .Select(b => $"{b.Where} {b.Name} ({b.Lines} lines)")
            .ToList();
        Assert.True(tooLong.Count == 0, $"Longer than {MaxLines} lines:\n  " + string.Join("\n  ", tooLong));
    }

    [Fact]
    public void A_long_method_local_function_or_lambda_is_found_and_one_of_60_lines_is_not()
    {
        static string Lines(int count) => string.Join("\n", Enumerable.Repeat("x++;", count));
        var code = $$"""
            class C
            {
                void Long()
                {
            {{Lines(MaxLines - 2)}}
                }
                void Short() { }
                void Outer()
                {
                    void Local()
                    {
            {{Lines(MaxLines - 2)}}
                    }
                    System.Action a = () =>
                    {
            {{Lines(MaxLines - 2)}}
                    };
                }
                int Exactly
                {
                    get
                    {
            {{Lines(MaxLines - 3)}}
                    }
                }
            }
            """;

        var found = LongBodies(code, "C.cs").Select(b => (b.Name, b.Lines)).ToList();

        Assert.Equal([("Long", MaxLines + 1), ("Outer", 2 * MaxLines + 5), ("Local", MaxLines + 1), ("lambda", MaxLines + 1)], found);
    }

    /// <summary>Every body longer than <see cref="MaxLines"/>, in source order.</summary>
    private static IEnumerable<(string Where, string Name, int Lines)> LongBodies(string code, string path)
    {
        var root = CSharpSyntaxTree.ParseText(code).GetRoot();
        foreach (var node in root.DescendantNodes())
        {
            var name = node switch
            {
                MethodDeclarationSyntax m => m.Identifier.Text,
                ConstructorDeclarationSyntax c => c.Identifier.Text,
                OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
                ConversionOperatorDeclarationSyntax => "conversion",
                AccessorDeclarationSyntax a => a.Keyword.Text + " accessor",
                LocalFunctionStatementSyntax l => l.Identifier.Text,
                AnonymousFunctionExpressionSyntax => "lambda",
                _ => null,
            };
            if (name is null)
            {
                continue;
            }
            var span = node.GetLocation().GetLineSpan();
            var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
            if (lines > MaxLines)
            {
                yield return ($"{path}:{span.StartLinePosition.Line + 1}", name, lines);
            }
        }
    }
}
