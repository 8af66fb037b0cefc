using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class ApplicationConfiguration : IEntityTypeConfiguration<Application>
{
    public void Configure(EntityTypeBuilder<Application> builder)
    {
        builder.ToTable("Applications");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Name).HasMaxLength(Limits.NameLength).IsUnicode(false);
        builder.HasIndex(a => new { a.OrganizationId, a.Name }).IsUnique();
        builder.Property(a => a.ClientId).HasMaxLength(Limits.ClientIdLength).IsUnicode(false);
        builder.HasIndex(a => a.ClientId).IsUnique();
        builder.Property(a => a.PublicClientId).HasMaxLength(Limits.ClientIdLength).IsUnicode(false);
        builder.HasIndex(a => a.PublicClientId).IsUnique();
    }
}
