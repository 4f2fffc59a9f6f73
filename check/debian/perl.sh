# perl one-liners.
set -u
perl -e 'print join(",", map { $_ * 2 } 1 .. 5), "\n"'
perl -le 'my %h = (b => 2, a => 1, c => 3); print join " ", map { "$_=$h{$_}" } sort keys %h'
echo "The quick brown fox" | perl -ne 'print scalar reverse($_)' | perl -pe 's/(\w+)/\u$1/g'
perl -MList::Util=sum,max -le 'print sum(1..100), " ", max(3, 9, 2)'
perl -MPOSIX -le 'print floor(7.8), " ", strftime("%Y", gmtime(0))'
perl -le 'open(my $f, "<", "/etc/hostname") or die; print "host ", <$f> =~ s/\n//r'
perl -le '$pid = fork; if (!$pid) { exit 5 } waitpid($pid, 0); print "child ", $? >> 8'
perl -MDigest::MD5=md5_hex -le 'print md5_hex("kos")'
perl -le 'print sprintf("%05.1f|%x|%e", 3.14159, 255, 12345)'
seq 10 | perl -lane '$s += $F[0]; END { print "sum $s" }'
