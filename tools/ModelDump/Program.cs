using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using PaymentHub.Data;

var options = new DbContextOptionsBuilder<PaymentHubDbContext>().UseNpgsql("Host=unused").Options;
using var db = new PaymentHubDbContext(options);
var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
foreach (var table in model.Tables)
{
    Console.WriteLine($"TABLE {table.Name}");
    foreach (var column in table.Columns)
    {
        var property = column.PropertyMappings.First().Property;
        var identity = property.ValueGenerated == ValueGenerated.OnAdd && table.PrimaryKey!.Columns.Contains(column);
        Console.WriteLine($"  COL {column.Name} clr={property.ClrType.Name} store={column.StoreType} null={column.IsNullable} " +
                          $"maxlen={column.MaxLength} prec={column.Precision} scale={column.Scale} id={identity}");
    }
    Console.WriteLine($"  PK {table.PrimaryKey!.Name} ({string.Join(",", table.PrimaryKey.Columns.Select(c => c.Name))})");
    foreach (var fk in table.ForeignKeyConstraints)
    {
        Console.WriteLine($"  FK {fk.Name} ({string.Join(",", fk.Columns.Select(c => c.Name))}) -> " +
                          $"{fk.PrincipalTable.Name}({string.Join(",", fk.PrincipalColumns.Select(c => c.Name))}) {fk.OnDeleteAction}");
    }
    foreach (var index in table.Indexes)
    {
        Console.WriteLine($"  IX {index.Name} ({string.Join(",", index.Columns.Select(c => c.Name))}) unique={index.IsUnique}");
    }
}
