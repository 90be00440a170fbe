using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;

namespace PaymentHub.Tests.Schema;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Postgres_connection_strings_get_automatic_preparation_unless_they_set_it()
    {
        var defaulted = new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;Username=app;Password=p;Database=hub"));
        Assert.Equal(DatabaseSetup.DefaultMaxAutoPrepare, defaulted.MaxAutoPrepare);
        Assert.Equal("p", defaulted.Password);

        Assert.Equal(0, new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;Max Auto Prepare=0")).MaxAutoPrepare);
        Assert.Equal(10, new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;MaxAutoPrepare=10")).MaxAutoPrepare);
    }

    [Fact]
    public void Postgres_connection_strings_skip_the_pool_reset_unless_they_ask_for_it()
    {
        Assert.True(new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;Database=hub")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;No Reset On Close=false")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres("Host=db;NoResetOnClose=false")).NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=db;Database=hub", DatabaseSetup.DefaultMaxPoolSize)]
    [InlineData("Host=db;Maximum Pool Size=40", 40)]
    [InlineData("Host=db;maximum pool size=40", 40)]
    [InlineData("Host=db;MaxPoolSize=120", 120)]
    [InlineData("Host=db;Maximum Pool Size=100", 100)]
    public void Postgres_connection_strings_get_a_small_pool_unless_they_set_one(string connectionString, int expected)
    {
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(DatabaseSetup.PreparePostgres(connectionString)).MaxPoolSize);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=hub", true)]
    [InlineData(DatabaseProvider.Sqlite, "Data Source=provider-check.db", false)]
    public void A_context_knows_its_provider_as_EF_does(DatabaseProvider provider, string connectionString, bool postgres)
    {
        using var db = DatabaseSetup.Create(provider, connectionString);
        Assert.Equal(postgres, db.IsPostgres);
        Assert.Equal(db.Database.IsNpgsql(), db.IsPostgres);
    }
}
