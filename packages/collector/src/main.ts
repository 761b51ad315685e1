export async function main(argv: string[]): Promise<number> {
  console.log('flowtel', argv.slice(2).join(' '));
  return 0;
}
