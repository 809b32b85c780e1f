// yarn release stand-in
