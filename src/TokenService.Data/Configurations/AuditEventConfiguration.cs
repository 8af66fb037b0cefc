using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedOnAdd();
        builder.Property(e => e.Kind).HasMaxLength(40).IsUnicode(false);
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Target).HasMaxLength(200);
        builder.Property(e => e.Detail).HasMaxLength(400);
        builder.Property(e => e.Address).HasMaxLength(64).IsUnicode(false);

        // An organization's events, newest first, page by page.
        builder.HasIndex(e => new { e.OrganizationId, e.Id });

        // Retention deletes by age.
        builder.HasIndex(e => e.At);
    }
}
