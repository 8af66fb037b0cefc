using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class FailureCounterConfiguration : IEntityTypeConfiguration<FailureCounter>
{
    public void Configure(EntityTypeBuilder<FailureCounter> builder)
    {
        builder.ToTable("FailureCounters");
        builder.HasKey(c => c.Key);
        builder.Property(c => c.Key).HasMaxLength(64).IsUnicode(false);

        // Pruning deletes the counters whose window is long over.
        builder.HasIndex(c => c.ExpiresAt);
    }
}
