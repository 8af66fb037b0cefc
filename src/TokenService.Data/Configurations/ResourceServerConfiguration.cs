using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class ResourceServerConfiguration : IEntityTypeConfiguration<ResourceServer>
{
    public void Configure(EntityTypeBuilder<ResourceServer> builder)
    {
        builder.ToTable("ResourceServers");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Name).HasMaxLength(Limits.NameLength).IsUnicode(false);
        builder.HasIndex(r => new { r.OrganizationId, r.Name }).IsUnique();
        builder.Property(r => r.ClientId).HasMaxLength(Limits.ClientIdLength).IsUnicode(false);
        builder.HasIndex(r => r.ClientId).IsUnique();
    }
}
