# The second realistic workload of bench/run.sh: a perl script (Debian's perl uses the
# system malloc) building a hash of records, sorting, deleting, joining and splitting
# strings. Deterministic; ~1-2 s natively. Run: perl bench/workload.pl
use strict;
use warnings;

my (%h, @keys);
for my $i (1 .. 200000) {
	my $k = "key-" . ($i * 7919 % 1000003);
	$h{$k} = [$i, "v" x ($i % 50), { n => $i, sq => $i * $i }];
	push @keys, $k if $i % 3 == 0;
}
my @sorted = sort { $h{$a}[0] <=> $h{$b}[0] } @keys;
my $total = 0;
for my $k (@sorted) {
	$total += length($h{$k}[1]);
	delete $h{$k};
}
my $str = join(",", map { sprintf("%08x", $_) } 1 .. 200000);
my @parts = split /,/, $str;
my %count;
$count{substr($_, 6)}++ for @parts;
print scalar(keys %h), " $total ", scalar(@parts), " ", scalar(keys %count), "\n";
