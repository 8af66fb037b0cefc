using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class OrganizationAdminConfiguration : IEntityTypeConfiguration<OrganizationAdmin>
{
    public void Configure(EntityTypeBuilder<OrganizationAdmin> builder)
    {
        builder.ToTable("OrganizationAdmins");
        builder.HasKey(m => new { m.OrganizationId, m.AdminUserId });

        // Credential resolution loads an admin's organizations on every admin request.
        builder.HasIndex(m => m.AdminUserId);
        builder.HasOne(m => m.Organization).WithMany(o => o.Admins).HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.AdminUser).WithMany(u => u.Memberships).HasForeignKey(m => m.AdminUserId).OnDelete(DeleteBehavior.Cascade);
    }
}
