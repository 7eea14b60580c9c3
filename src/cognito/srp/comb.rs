//! Fixed-base exponentiation of the generator g = 2 by a precomputed comb table.

use crypto_bigint::{U3072, Uint, Word};

use super::monty::{pow, select, square};
use super::{G, Residue};

/// `g^exponent`, where `exponent < 2^bits` and `bits` is public.
pub(super) fn pow_g<const LIMBS: usize>(exponent: &Uint<LIMBS>, bits: u32) -> Residue {
    if bits <= COMB_X.max_bits() {
        COMB_X.pow(exponent.as_words())
    } else if bits <= COMB_A.max_bits() {
        COMB_A.pow(exponent.as_words())
    } else {
        pow(&G, exponent, bits)
    }
}

/// Fixed-base exponentiation of `g` by a 4-tooth comb (Lim–Lee). The exponent bits at
/// `c`, `c + s`, `c + 2s` and `c + 3s` index a table of products of `g^(2^(i·s))`, so a
/// `4s`-bit exponent costs `s` squarings and `s` multiplications where square-and-multiply with
/// 4-bit windows needs `4s` squarings and `s` multiplications: `A` comes out about 2.4 times
/// faster. The table is read in full at every step ([`select`]), so which entry is used does not
/// show.
pub(super) struct Comb {
    spacing: u32,
    table: [Residue; 16],
}

/// For `A = g^a` with `a` of up to 1024 bits.
pub(super) const COMB_A: Comb = Comb::new(256, [G_POW_2_256, G_POW_2_512, G_POW_2_768]);
/// For `g^x` with a 256-bit `x`.
pub(super) const COMB_X: Comb = Comb::new(64, [G_POW_2_64, G_POW_2_128, G_POW_2_192]);

impl Comb {
    /// `bases[i - 1]` is `g^(2^(i·spacing)) mod N` as plain hex; computing those at compile time
    /// would take const evaluation half a minute, so they are literals a test recomputes.
    pub(super) const fn new(spacing: u32, bases: [&str; 3]) -> Self {
        let powers = [
            G,
            Residue::new(&U3072::from_be_hex(bases[0])),
            Residue::new(&U3072::from_be_hex(bases[1])),
            Residue::new(&U3072::from_be_hex(bases[2])),
        ];
        let mut table = [Residue::ONE; 16];
        let mut j = 1;
        while j < 16 {
            // Entry j = entry (j without its lowest set bit) × the power for that bit.
            let rest = j & (j - 1);
            table[j] = table[rest].mul(&powers[(j ^ rest).trailing_zeros() as usize]);
            j += 1;
        }
        Self { spacing, table }
    }

    pub(super) const fn max_bits(&self) -> u32 {
        4 * self.spacing
    }

    /// `g^e` for `e < 2^max_bits`, given as little-endian words.
    pub(super) fn pow(&self, exponent: &[Word]) -> Residue {
        // Positions are public; only the bit values are secret.
        let bit = |pos: u32| -> Word {
            let limb = (pos / Word::BITS) as usize;
            exponent
                .get(limb)
                .map_or(0, |w| (w >> (pos % Word::BITS)) & 1)
        };
        let index = |column: u32| -> Word {
            (0..4).fold(0, |index, tooth| {
                index | (bit(column + tooth * self.spacing) << tooth)
            })
        };
        let top = self.spacing - 1;
        let mut acc = select(&self.table, index(top));
        for column in (0..top).rev() {
            acc = square(&acc);
            acc = acc.mul(&select(&self.table, index(column)));
        }
        acc
    }
}

pub(super) const G_POW_2_64: &str = concat!(
    "24d45fec935a7ce5568c844b7d4936784543c5f9ca8982eb5be6eb39785c8e40",
    "c88e31bb110275c52dd3ed7c5c929b311bdedef320e0b85102ad61381f696d39",
    "48c0ccc8d608f8c3c554f6c6f8c052bb7ebc95580d2e04319eb5b451f21d355d",
    "53081fade5618342188218466c716093da85981318a58cd6eddebe7f6b0185b3",
    "7876cf3571ead6a3df1a6811a3f8d64a622572b02bdd8ccb9e429f11ff01c082",
    "b10ad0bd8bb1b5845bdadf46c1b5e4558253a55dd88962acadd5a47df89afb1b",
    "ee4c2511812c74fecaf661a58a61319ed5682f217fe1498770d05b4c26b46f21",
    "f9c86457bd2fff95dcf52bca566edc412eeb3973b81891b9c18e3eb8120762ad",
    "04496de506d3e66005d67bb6aa80900bade29104716194b3bbae44fb9eb51eff",
    "be409b305af4f431fa154ae3ebfbade7d36bcc0d6657c34226c6303f6c10314e",
    "8dec9a8c1257f1c144922160eb4b87f0f737f2f43276187a243dc69c828cdecc",
    "961aceb0167d22f7b86635d97393327259c016af1ec7cdecb13060ce5bf63dca",
);
pub(super) const G_POW_2_128: &str = concat!(
    "8c91af84249658896165e3e190488d84241d642b509d63551e46eb58c5d315bc",
    "3c8886c34fcdbd10882dd3d7dfda5d407cc80cf6c9fc8fb6cb36c9e366b3c2ae",
    "3704ee863a08d0d82b5bce7d2e6efe1667dd7a68cb5328855c156d8e35984ded",
    "8ec26c97cf92adba6c1c5718cd07cbbb7d099337e9304777e11f37a36c2851ee",
    "b66a3f6bd44d67b93a3a6937ec493ea1731c25c7132cbb3bf82217c356d51e09",
    "20c7429d710876de0dabc1bcd4c0b12136379df592b6aadd3488dd384aae221e",
    "49d4dde76db6c02a24f6e636fe6c53f2ae84e252731dec6f2716d511f1fc49f9",
    "37fd3b99326b123667d61a3f215b70c8a1a0b46128e58c0b0bb171831fa77290",
    "1bba3874faf37f31ba5887f8facb8bd3ce99c20cf52160c226dfa867b942473b",
    "52d884922940a49ca0e2ed2e09a786f73f2dc7d6163d3e2ae0b94ebc038f0327",
    "705377c48cfc21817950c9847526707a7d737601b2195e10db219bd9c0e3771f",
    "2fd832038c8f9245e855efaf433c487a1f2eea103873d7684f9088e07806734a",
);
pub(super) const G_POW_2_192: &str = concat!(
    "91938495281e0db3fcb28ce10a65827fc0d6e2379df6c34a6a25601d08fd69ca",
    "7017933e0ac3b54d9cd5b75095d04de5da1f2f678eca1642c61f31da766ef3e2",
    "b99377d87c51b97ca97ad9cca0ebd08dfabbc71ac9a52ef3851fb52d8c9c7653",
    "c0f58bf941808da25f196008ee855e3e23ee2a717cb2941b4601f0214dc56088",
    "47f6a234712686a331203b9797c8f22a3199937ce1fa94b0bf6a4b29ffbf52d6",
    "31fddf5996d75ec1c07a6a598cf31a24484de28e4ff4b604a7259610387276a2",
    "b6ca8e398ef31c79951591946f7896d73426d729b565923a29ac8474a9679220",
    "bf2fca4b391efb930e48e5561d38d49956a30c2c9e80bb081d1ac85ade60a8ed",
    "dba0af98a67c857087da66a5a22d912e1eb52ed1494c88ae7ca68f14c2f1b351",
    "b44d0057bd13ab52d4e481c69c7640b5ec9ee8bcf7cf89f5184e3e79410eac49",
    "be975eab18fcdff23f45015a5edc3ab489f2e54e4d3b20094828380e8cfb9fde",
    "c68d2d82bd475ff05d2f0643785c31cdb980e56eb35b524be1841df24f6ad99f",
);
pub(super) const G_POW_2_256: &str = concat!(
    "c8be99f3d54d5ad0bd02283135f14fc354362d7b6f62bd2b0cbdb784def4b49b",
    "984691eedfb837e67fd1a1217b2bac44566329bafc322074a7d1e447c90b3932",
    "56f879f75cdc0fd99824d80593a1c08b4745fbdbd72c947f92927d0668bdcdd9",
    "34284f0465c484ce638a724e02731827fc1453d3305f4b1a4697127a2f4babed",
    "cbbb9583663ac4da699eb3951e9f85f943362374f229e189eb3802c66268e516",
    "f0d842f9fb19659eadf08f3e67fb4f0464b07e310f561aa177a773caf657408a",
    "ba80e90d9dc520ebb3ed104ab7a72650b373c6d96a80093b3ccd1d2f02e343de",
    "0b37c7f242d2b300a82e5f662eefb2428c038cc88751e2cd3a80e4e7a0e5157d",
    "9314215b1b2bcc95ffa475dd2d857fc13514011ed25a1082e03f5932534a83d3",
    "47f9931fc823c8b9296ba9427bbc241f092117f226b9cdb7e5bb5775c6da162e",
    "646d4bc1540713d76c91ae7217890c7df67638ae648151dbb696af70168441d7",
    "5ae68bc3da5a4f1806c8c9352f11ceb4f8161dfe9394f8995f13516a40c6f15f",
);
pub(super) const G_POW_2_512: &str = concat!(
    "cedba5e798c6df14275244ff17332131382f10b3921b2f83e1df46efd383b408",
    "cda7a6d4c61b47d27d037a94106d752c2e4ed1caa8c782d24b0e5b025fced3da",
    "e6a711139562358910e6752d1bdb97bae370917174ed455dc232d6a6803323ed",
    "fd706c995918ae9a20521f1c0e5c5352e7ab5587305e981f000fd1e16b65d966",
    "0c4ed419333601e9bf98604a84e4a63e2f24922dbe454402d18edfec7be64e7e",
    "84839563c1b8ddb46b47d5e83796a71a36eddc598797889fdd3a5e356d95082b",
    "dec3bd28ffd44ace2238f73acd5ab9f4138f558c0e040631779f00b68c17e030",
    "b60f174340480092358e0ff64e91d8bd37f45b155e6a721b69752c2504a951f2",
    "2436f47f593027c5c14ee2bb4a5b2af36e441000b44a9cc9779b0d3e14f9591c",
    "d3b0a333f75681e35d9a5786b0cb8aee1121393f06ab24e1bef679ac27bd927b",
    "1ccc63b29578ee29995e23450b042e0fddb655c0e659bf199158198669ed794c",
    "3df8a248ece01371d3f16b443d37848b268bba3b7434e53f0fc13a7c4114aa1a",
);
pub(super) const G_POW_2_768: &str = concat!(
    "44fc639b3dee08f5c3425e4d4f76ddf69554bac287f0a21be24873ced6dee8ce",
    "a1918df7b1eaede1e780af945c8afa70eafd08e50dc3a7e9c3e6872237778bf6",
    "6a28f7daaf3ae0dedb616aa03d25292de521a67de11a2bb83e782c62d0428228",
    "7652c87b06d22186effa67b9d63f897225771f88cc7f2d278bbdede2a71ec9dc",
    "92ec9e885006c6c74b20fc8075b1f1c8137a53a178adb7748f6535c80f83128c",
    "fe53f72b8e0bc3e3d4e225d90be07c2a7daec97733575e9a65db2efad7531b4d",
    "c9bc7c807afa3f8d881f59118e07f35606cdd729a7d53524bbef39f57a4b21f8",
    "be4c45adfd70f0bf859f50d97c634ca5e88b0edcaee04f07b6d0863ca7d90003",
    "071a38cd9304f3d9ce54467fc7ec12c804c5bded625533aac4345ac015134570",
    "a4a511023ec4cbef9369d2544fbbf8c931fbf02182695cee7a983485c1c01c83",
    "d179d5408ba6f83c2d0199694d060dc43ea4ba98391c555f86a083bdac3ab0af",
    "af72011f7772fe9779d3b4745fe3c7f42e62f2183d80b42e4f53ba025f3ead05",
);
