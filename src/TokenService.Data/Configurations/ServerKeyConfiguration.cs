using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class ServerKeyConfiguration : IEntityTypeConfiguration<ServerKey>
{
    public void Configure(EntityTypeBuilder<ServerKey> builder)
    {
        builder.ToTable("ServerKeys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(32).IsUnicode(false);
        builder.Property(k => k.Material).HasMaxLength(4096).IsUnicode(false);
    }
}
