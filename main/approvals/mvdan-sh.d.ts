// The part of mvdan-sh (mvdan/sh's Go parser compiled to JavaScript) that Perch uses. Nodes are
// the Go structs of mvdan.cc/sh/v3/syntax; each field is read through `field` in shell-syntax.ts.
declare module 'mvdan-sh' {
  export interface ShPos {
    Offset(): number;
  }
  export interface ShNode {
    Pos(): ShPos;
    End(): ShPos;
  }
  export interface ShParseError {
    Error(): string;
    Text: string;
  }
  export interface ShParser {
    Parse(src: string, name: string): ShNode;
  }
  type ParserOption = { readonly __option: unique symbol };
  const sh: {
    syntax: {
      NewParser(...options: ParserOption[]): ShParser;
      KeepComments(keep: boolean): ParserOption;
      Variant(lang: number): ParserOption;
      LangBash: number;
      NodeType(node: ShNode): string;
      Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
    };
  };
  export default sh;
}
