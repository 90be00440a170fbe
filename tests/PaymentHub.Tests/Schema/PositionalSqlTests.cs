using PaymentHub.Data;

namespace PaymentHub.Tests.Schema;

/// <summary>The raw statements' named parameters, sent to PostgreSQL as positional ones (<see cref="RawCommands"/>).</summary>
public sealed class PositionalSqlTests
{
    [Fact]
    public void Named_parameters_become_positional_in_order_of_first_appearance_and_a_repeated_one_keeps_its_position()
    {
        var sql = PositionalSql.From("UPDATE t SET balance = balance + @delta WHERE id = @id AND balance + @delta >= 0");

        Assert.Equal("UPDATE t SET balance = balance + $1 WHERE id = $2 AND balance + $1 >= 0", sql.Text);
        Assert.Equal(["delta", "id"], sql.Names);
        Assert.Equal(1, sql.PositionOf("id"));
        Assert.Throws<InvalidOperationException>(() => sql.PositionOf("Id"));
    }

    [Theory]
    [InlineData("SELECT '@not' || @a", "SELECT '@not' || $1")]
    [InlineData("SELECT 'it''s @not' || @a", "SELECT 'it''s @not' || $1")]
    [InlineData("SELECT \"@not\".x FROM t AS \"@not\" WHERE x = @a", "SELECT \"@not\".x FROM t AS \"@not\" WHERE x = $1")]
    [InlineData("SELECT @a -- @not\n, @b", "SELECT $1 -- @not\n, $2")]
    [InlineData("SELECT /* @not */ @a", "SELECT /* @not */ $1")]
    [InlineData("SELECT tags @> @a, doc @@ @b, mail@not", "SELECT tags @> $1, doc @@ $2, mail@not")]
    [InlineData("SELECT NULL::numeric, @a::bigint", "SELECT NULL::numeric, $1::bigint")]
    public void Literals_identifiers_comments_and_operators_are_left_alone(string named, string positional)
    {
        Assert.Equal(positional, PositionalSql.From(named).Text);
    }
}
