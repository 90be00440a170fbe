using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Data;

/// <summary>Values the application generates for itself once and must keep across restarts.</summary>
public sealed class AppSetting
{
    public required string Name { get; set; }
    public required string Value { get; set; }
}

public sealed class AppSettingConfiguration : IEntityTypeConfiguration<AppSetting>
{
    public void Configure(EntityTypeBuilder<AppSetting> builder)
    {
        builder.ToTable("app_settings");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.Value).HasMaxLength(500).IsRequired();
    }
}
