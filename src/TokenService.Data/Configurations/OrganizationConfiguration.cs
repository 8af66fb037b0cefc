using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("Organizations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Name).HasMaxLength(Limits.NameLength).IsUnicode(false);
        builder.HasIndex(o => o.Name).IsUnique();
        builder.Property(o => o.ClientId).HasMaxLength(Limits.ClientIdLength).IsUnicode(false);
        builder.HasIndex(o => o.ClientId).IsUnique();
        builder.HasMany(o => o.Applications).WithOne(a => a.Organization).HasForeignKey(a => a.OrganizationId)
            .OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(o => o.ResourceServers).WithOne(r => r.Organization).HasForeignKey(r => r.OrganizationId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
